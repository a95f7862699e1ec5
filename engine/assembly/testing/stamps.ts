// A second entry for test builds only (never shipped): `scripts/build-engine.mjs --out F --asc
// engine/assembly/testing/stamps.ts` adds this export to the engine's own. test/engine/stamps.test.ts
// uses it to run texts on both sides of the per-text stamps' wrap (entities.ts scanEntities).
export { setStamps as test_set_stamps } from "../entities";
