// cgroup layout detection on fake trees (no kernel needed): pure v2 with and without delegated
// controllers, hybrid, pure v1, nothing writable.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { detectLayout, parseMountinfo, parseProcCgroup } from "../../guard/cgroups.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fakeRoot(files: Record<string, string | null>): string {
  const root = mkdtempSync(join(tmpdir(), "enforcecore-fake-cgroup-"));
  dirs.push(root);
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    if (content === null) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(join(full, ".."), { recursive: true });
      writeFileSync(full, content);
    }
  }
  return root;
}

const V2_MOUNT = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot";
const HYBRID_MOUNTS = [
  "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
  "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer",
  "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
  "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
].join("\n");

describe("parsing", () => {
  it("reads cgroup mounts (v1 controllers, cgroup2) and ignores the rest", () => {
    const m = parseMountinfo(`${HYBRID_MOUNTS}\n31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755`);
    expect(m.map((x) => [x.mountpoint, x.fstype, x.controllers.join(",")])).toEqual([
      ["/sys/fs/cgroup/cpu", "cgroup", "cpu"],
      ["/sys/fs/cgroup/cpuacct", "cgroup", "cpuacct"],
      ["/sys/fs/cgroup/memory", "cgroup", "memory"],
      ["/sys/fs/cgroup/freezer", "cgroup", "freezer"],
      ["/sys/fs/cgroup/pids", "cgroup", "pids"],
      ["/sys/fs/cgroup/systemd", "cgroup", ""],
      ["/sys/fs/cgroup/unified", "cgroup2", ""],
    ]);
    const co = parseMountinfo("32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct");
    expect(co[0]?.controllers).toEqual(["cpu", "cpuacct"]);
  });

  it("reads /proc/self/cgroup", () => {
    const own = parseProcCgroup("4:memory:/process_api/abc\n2:cpu,cpuacct:/\n0::/user.slice/app.service\n");
    expect(own.get("memory")).toBe("/process_api/abc");
    expect(own.get("cpu,cpuacct")).toBe("/");
    expect(own.get("")).toBe("/user.slice/app.service");
  });
});

describe.skipIf(process.platform === "win32")("layout detection on fake trees", () => {
  it("pure v2, a delegated parent with memory/pids/cpu enabled: one leaf holds every limit", () => {
    const root = fakeRoot({
      "sys/fs/cgroup/app.slice/cgroup.controllers": "cpu memory pids",
      "sys/fs/cgroup/app.slice/cgroup.subtree_control": "cpu memory pids",
      "sys/fs/cgroup/app.slice/cgroup.kill": "",
    });
    const l = detectLayout({ fsRoot: root, mountinfo: V2_MOUNT, procCgroup: "0::/app.slice\n" });
    expect(l.kind).toBe("v2");
    expect(l.tracking?.dir).toBe(`${root}/sys/fs/cgroup/app.slice`);
    expect(l.cgroupKill).toBe(true);
    for (const c of ["memory", "pids", "cpu"] as const) expect(l.controllers[c]).toBe(l.tracking);
    expect(l.controllers.freezer).toBeUndefined();
  });

  it("pure v2 where the controllers cannot be enabled: says why", () => {
    const root = fakeRoot({
      "sys/fs/cgroup/user.slice/cgroup.controllers": "cpu memory pids",
      "sys/fs/cgroup/user.slice/cgroup.subtree_control/": null, // a directory: the write fails
    });
    const l = detectLayout({ fsRoot: root, mountinfo: V2_MOUNT, procCgroup: "0::/user.slice\n" });
    expect(l.kind).toBe("v2"); // tracking works: a child can still be made
    expect(l.controllers.memory).toBeUndefined();
    expect(l.reasons.memory).toMatch(/cannot enable memory in .*cgroup.subtree_control.*delegated cgroup/);
  });

  it("pure v2 without the controller at all", () => {
    const root = fakeRoot({ "sys/fs/cgroup/a/cgroup.controllers": "cpu", "sys/fs/cgroup/a/cgroup.subtree_control": "cpu" });
    const l = detectLayout({ fsRoot: root, mountinfo: V2_MOUNT, procCgroup: "0::/a\n" });
    expect(l.controllers.cpu).toBeDefined();
    expect(l.reasons.memory).toMatch(/offers no memory controller/);
  });

  it("an explicit delegated directory (ENFORCECORE_CGROUP_ROOT) wins over our own cgroup", () => {
    const root = fakeRoot({ "sys/fs/cgroup/deleg/cgroup.controllers": "memory pids", "sys/fs/cgroup/deleg/cgroup.subtree_control": "memory pids" });
    const l = detectLayout({ fsRoot: root, mountinfo: V2_MOUNT, procCgroup: "0::/elsewhere\n", v2Parent: "/sys/fs/cgroup/deleg" });
    expect(l.controllers.memory?.dir).toBe(`${root}/sys/fs/cgroup/deleg`);
    const bad = detectLayout({ fsRoot: root, mountinfo: V2_MOUNT, procCgroup: "0::/x\n", v2Parent: "/tmp/not-cgroup" });
    expect(bad.reasons.tracking).toMatch(/not inside the cgroup2 mount/);
  });

  it("hybrid (this CI machine's layout): v1 leaves under our own v1 cgroups, cgroup2 for tracking", () => {
    const root = fakeRoot({
      "sys/fs/cgroup/memory/process_api/abc/": null,
      "sys/fs/cgroup/pids/": null,
      "sys/fs/cgroup/cpu/": null,
      "sys/fs/cgroup/cpuacct/": null,
      "sys/fs/cgroup/freezer/": null,
      "sys/fs/cgroup/unified/cgroup.controllers": "hugetlb",
      "sys/fs/cgroup/unified/cgroup.subtree_control": "",
    });
    const l = detectLayout({ fsRoot: root, mountinfo: HYBRID_MOUNTS, procCgroup: "8:pids:/\n6:freezer:/\n4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n" });
    expect(l.kind).toBe("hybrid");
    expect(l.controllers.memory).toMatchObject({ dir: `${root}/sys/fs/cgroup/memory/process_api/abc`, version: 1 });
    expect(l.controllers.pids).toMatchObject({ dir: `${root}/sys/fs/cgroup/pids`, version: 1 });
    expect(l.tracking).toMatchObject({ dir: `${root}/sys/fs/cgroup/unified`, version: 2, controllers: [] });
  });

  it("pure v1 and nothing writable", () => {
    const root = fakeRoot({ "sys/fs/cgroup/memory/": null, "sys/fs/cgroup/freezer/": null });
    const v1 = detectLayout({ fsRoot: root, mountinfo: HYBRID_MOUNTS.split("\n").filter((l) => !l.includes("cgroup2")).join("\n"), procCgroup: "4:memory:/\n6:freezer:/\n" });
    expect(v1.kind).toBe("v1");
    expect(v1.reasons.tracking).toBe("no cgroup2 mount");
    expect(v1.reasons.pids).toMatch(/our pids cgroup is outside|cannot create|not writable/);
    const none = detectLayout({ fsRoot: root, mountinfo: "", procCgroup: "" });
    expect(none.kind).toBe("none");
    expect(none.reasons.memory).toBe("no memory controller is mounted");
  });
});
