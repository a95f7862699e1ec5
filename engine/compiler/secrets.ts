/**
 * Secret rules, in the keywords + regex + entropy style of gitleaks: a distinctive prefix (the
 * keyword, which becomes the rule's head), a pattern matched anchored from it, and gates checked
 * in the engine (engine/assembly/checks.ts): length, character classes, an integer Shannon-entropy
 * threshold, boundaries, and exact checksums where the format has one (GitHub and npm CRC32,
 * `Basic` credentials that must decode to `user:password`). Assignment rules (`api_key = "…"`)
 * keep the key and redact only the value. Token formats follow the vendors' documentation and the
 * public rule sets of gitleaks and TruffleHog (patterns written here, shapes loosened so the
 * automata stay small; exact lengths are gates).
 */
import { CHECK, tokenArg, type EntityDef, type TokenGate } from "./entities.js";
import type { StartBoundary } from "./entities-set.js";

export interface SecretRule extends EntityDef {
  readonly kind: "secret";
  /** How far the head may run through broad classes (bundle.ts entityHead; default 2). */
  readonly headBroadDepth?: number;
}

interface Opts extends TokenGate {
  ci?: boolean;
  check?: number;
  back?: string;
  rest?: string;
  nearestStart?: boolean;
  gate?: string;
  headBroadDepth?: number;
  maxLen?: number;
  boundary?: StartBoundary;
  placeholder?: string;
  mask?: string;
}

const rules: SecretRule[] = [];

/** Large counted repeats become open ones (`{a,b}` → `{a,}`): the length gate and maxLen bound them. */
const loosen = (src: string | undefined): string | undefined => src?.replace(/\{(\d+),(\d+)\}/g, (m, a: string, b: string) => (Number(b) > 256 ? `{${a},}` : m));

function rule(name: string, rawSource: string, description: string, o: Opts = {}): void {
  const source = loosen(rawSource) as string;
  const gate: TokenGate = { entropy: 2, endBoundary: true, ...o };
  // The longest match: the token, or for assignments the key, spaces and operator before the value.
  const narrowed = o.check === CHECK.assign || o.check === CHECK.assign_trimmed || o.check === CHECK.assign_mixed || o.check === CHECK.basic_auth;
  const maxLen = o.maxLen ?? (gate.max && gate.max > 0 ? gate.max : 512) + (narrowed ? 100 : 8);
  rules.push({
    kind: "secret",
    name,
    source,
    ...(o.back !== undefined ? { back: loosen(o.back) as string, rest: loosen(o.rest) as string } : {}),
    ...(o.nearestStart === true ? { nearestStart: true } : {}),
    ...(o.gate !== undefined ? { gate: o.gate } : {}),
    ...(o.headBroadDepth !== undefined ? { headBroadDepth: o.headBroadDepth } : {}),
    ci: o.ci ?? false,
    boundary: o.boundary ?? "word",
    check: o.check ?? CHECK.token,
    arg: tokenArg({ min: gate.min, max: gate.max, entropy: gate.entropy, classes: gate.classes, endBoundary: gate.endBoundary, startBoundary: gate.startBoundary }),
    maxLen,
    placeholder: o.placeholder ?? `<${name.toUpperCase()}>`,
    mask: o.mask ?? "****************",
    description,
  });
}

/** A token: fixed prefix(es) then a run; `len` = [min, max] of the whole token (max 0 = open). */
function token(name: string, source: string, len: [number, number], description: string, o: Opts = {}): void {
  rule(name, source, description, { min: len[0], max: len[1], ...o });
}

/**
 * `keyword … = value` (the value only is redacted); `value` is the value's character class. The key
 * may go on after the keyword (`api_key_id`) unless `exactKey` (the key ends with the keyword).
 */
function assign(name: string, keyword: string, value: string, description: string, o: Opts & { exactKey?: boolean; spaced?: boolean } = {}): void {
  const { exactKey, spaced, ...rest } = o;
  // The keyword may end an identifier (`OPENAI_API_KEY`): no boundary before it.
  rule(name, assignSource(keyword, value, exactKey === true, spaced === true), description, { ci: true, check: CHECK.assign, entropy: 3, boundary: "none", ...rest });
}

/**
 * The pattern of `keyword … = value` (assign), also the part after the head of a rule whose key name
 * starts before it. `spaced`: whitespace alone may also separate them (`set key value`). Besides the
 * operators of assignments and mappings, a subscript's `]` may close the key (`os.environ["API_KEY"]
 * = "…"`, `$config['password'] = '…'`), and an XML element's `>` may open the value right after its
 * name (`<password>…</password>`, Maven's settings.xml; the check wants the `<` of its end tag
 * right after the value: `<password>@host` in a URL template is none). (Not a comma between quoted
 * strings, as in `define('DB_PASSWORD', '…')`: in lists of names, `"HTTPPasswordMgr", "urllib2"`,
 * it made 80 findings in the Google Cloud SDK's code, all wrong; php_define_credential instead.)
 */
function assignSource(keyword: string, value: string, exactKey = false, spaced = false): string {
  const operator = `(?:["']?\\]?[ \\t]*(?:=|:=|:|=>|\\?=)[ \\t]*["'\`]?|>)`;
  return `${keyword}${exactKey ? "" : "[A-Za-z0-9_.-]{0,30}"}${spaced ? `(?:${operator}|[ \\t]{1,4})` : operator}${value}`;
}

const B62 = "A-Za-z0-9";
const B64U = "A-Za-z0-9_-";
const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

// ---- cloud providers --------------------------------------------------------------------------------
token("aws_access_key", "(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}", [20, 20], "AWS access key ID", { entropy: 3, mask: "AKIA****************" });
// Also after a space alone: `aws configure set aws_secret_access_key …` (the values' exact shapes
// and entropy are the gates).
assign("aws_secret_key", "(?:aws[_-]?secret[_-]?(?:access[_-]?)?key|secret[_-]?access[_-]?key)", "[A-Za-z0-9/+=]{40}", "AWS secret access key after its key name (`=`, `:` or a space: `aws configure set aws_secret_access_key …`)", { min: 40, max: 40, entropy: 3.5, mask: "****************************************", spaced: true });
assign("aws_session_token", "aws[_-]?session[_-]?token", "[A-Za-z0-9/+=]{100,2000}", "AWS session token after its key name (`=`, `:` or a space)", { min: 100, max: 2000, entropy: 3.5, maxLen: 2100, spaced: true });
token("aws_mws_key", `amzn\\.mws\\.${UUID}`, [45, 45], "Amazon MWS auth token");
token("gcp_api_key", `AIza[${B64U}]{35}`, [39, 39], "Google API key", { entropy: 3 });
token("google_oauth_client_secret", `GOCSPX-[${B64U}]{28}`, [35, 35], "Google OAuth client secret");
token("google_oauth_access_token", `ya29\\.[${B64U}]{20,2000}`, [30, 2010], "Google OAuth access token", { entropy: 3 });
token("google_oauth_refresh_token", `1//0[${B64U}]{40,500}`, [44, 504], "Google OAuth refresh token", { entropy: 3 });
// Firebase Cloud Messaging's legacy server key: a 7-unit key ID after `AAAA`, then `:APA91b` and
// the key. `:APA91b` is the head (the back part, context only as a start): `AAAA` alone starts
// every run of zero bytes in base64.
token("firebase_fcm_server_key", `AAAA[${B64U}]{7}:APA91b[${B64U}]{134}`, [152, 152], "Firebase Cloud Messaging legacy server key (`AAAA…:APA91b…`)", {
  back: `AAAA[${B64U}]{7}`, rest: `:APA91b[${B64U}]{134}`, boundary: "none", startBoundary: true, entropy: 3.5,
});
assign("gcp_private_key_id", "private_key_id", "[0-9a-f]{40}", "GCP service-account private key ID", { min: 40, max: 40, ci: false });
assign("azure_storage_key", "AccountKey", "[A-Za-z0-9+/]{86}==", "Azure storage account key (connection string)", { min: 88, max: 88, ci: false, entropy: 4 });
assign("azure_shared_access_key", "SharedAccessKey", "[A-Za-z0-9+/]{42,44}=", "Azure Service Bus / Event Hubs shared access key", { min: 43, max: 45, ci: false, entropy: 3.5 });
assign("azure_sas_signature", "sig", "[A-Za-z0-9%+/]{40,120}(?:%3D|=)?", "Azure SAS token signature (`sig=`)", { min: 40, max: 130, ci: false, entropy: 3.5, boundary: "word" });
token("azure_ad_client_secret", "[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}", [37, 40], "Azure AD (Entra ID) client secret", {
  back: "[A-Za-z0-9_~.]{3}[0-9]", rest: "Q~[A-Za-z0-9_~.-]{31,34}", boundary: "none", startBoundary: true, entropy: 3,
});
token("alibaba_access_key", `LTAI[${B62}]{20}`, [24, 24], "Alibaba Cloud AccessKey ID");
token("tencent_secret_id", `AKID[${B62}]{32}`, [36, 36], "Tencent Cloud SecretId", { entropy: 3 });
token("digitalocean_pat", "dop_v1_[a-f0-9]{64}", [71, 71], "DigitalOcean personal access token", { entropy: 3 });
token("digitalocean_oauth_token", "doo_v1_[a-f0-9]{64}", [71, 71], "DigitalOcean OAuth access token", { entropy: 3 });
token("digitalocean_refresh_token", "dor_v1_[a-f0-9]{64}", [71, 71], "DigitalOcean OAuth refresh token", { entropy: 3 });
token("heroku_api_key_v2", `HRKU-AA[${B64U}]{58}`, [65, 65], "Heroku API key (v2)", { entropy: 3.5 });
assign("heroku_api_key", "heroku", UUID, "Heroku API key (UUID) after `heroku…=`", { min: 36, max: 36, entropy: 3 });
token("cloudflare_origin_ca_key", "v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}", [176, 176], "Cloudflare Origin CA key");
assign("cloudflare_api_token", "cloudflare", `[${B64U}]{40}`, "Cloudflare API token after `cloudflare…=`", { min: 40, max: 40, entropy: 3 });
token("flyio_token", `(?:fo1_[${B64U}]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,1000}={0,3})`, [47, 1010], "Fly.io access token", { entropy: 3.5 });
token("render_api_key", `rnd_[${B62}]{32}`, [36, 36], "Render API key", { entropy: 3 });
token("supabase_pat", "sbp_[a-f0-9]{40}", [44, 44], "Supabase personal access token", { entropy: 3 });
token("supabase_secret_key", `sb_secret_[${B64U}]{20,64}`, [30, 74], "Supabase secret API key", { entropy: 3 });
token("planetscale_token", "pscale_tkn_[A-Za-z0-9_=.-]{32,64}", [43, 75], "PlanetScale API token", { entropy: 3 });
token("planetscale_oauth_token", "pscale_oauth_[A-Za-z0-9_=.-]{32,64}", [45, 77], "PlanetScale OAuth token", { entropy: 3 });
token("planetscale_password", "pscale_pw_[A-Za-z0-9_=.-]{32,64}", [42, 74], "PlanetScale database password", { entropy: 3 });
token("databricks_token", "dapi[a-f0-9]{32}(?:-[0-9])?", [36, 38], "Databricks API token", { entropy: 3 });
// A service token names its config between `st` and the token (`dp.st.prd.…`, `dp.st.dev_aws.…`).
token("doppler_token", `dp\\.(?:pt|st(?:\\.[a-z0-9_-]{2,35})?|ct|sa|scim|audit)\\.[${B62}]{40,44}`, [46, 90], "Doppler token (personal, service with its config, CLI, service account, SCIM, audit)", { entropy: 3 });
// Netlify's tokens since 2023: `nf` and a letter for the kind (personal, CLI, OAuth, app, build), 40 units in all.
token("netlify_token", `nf[pcoub]_[${B62}]{36}`, [40, 40], "Netlify access token (`nfp_` personal, `nfc_` CLI, `nfo_` OAuth, `nfu_` app, `nfb_` build)", { entropy: 3.5 });
token("vault_service_token", `hvs\\.[${B64U}]{90,120}`, [94, 124], "HashiCorp Vault service token", { entropy: 3.5 });
// Vault's service tokens before 1.10: `s.` and 24 base62 characters (mixed case and digits).
token("vault_legacy_token", "s\\.[A-Za-z0-9]{24}", [26, 26], "HashiCorp Vault service token, legacy format (`s.` + 24 characters, before Vault 1.10)", { entropy: 3.5, classes: 3 });
token("vault_batch_token", `hvb\\.[${B64U}]{138,300}`, [142, 304], "HashiCorp Vault batch token", { entropy: 3.5 });
token("terraform_cloud_token", `[${B62}]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,70}`, [83, 93], "Terraform Cloud / HCP API token", {
  back: `[${B62}]{14}`, rest: "\\.atlasv1\\.[A-Za-z0-9_=-]{60,70}", boundary: "none", startBoundary: true, entropy: 3.5,
});
token("pulumi_token", "pul-[a-f0-9]{40}", [44, 44], "Pulumi access token");
token("tailscale_key", `tskey-(?:api|auth|client|webhook|scim)-[${B62}]{6,24}-[${B62}]{20,48}`, [30, 90], "Tailscale API / auth key", { entropy: 3 });
token("deno_deploy_token", `dd[pw]_[${B62}]{36}`, [40, 40], "Deno Deploy access token", { entropy: 3 });
token("scalingo_token", `tk-us-[${B64U}]{48}`, [54, 54], "Scalingo API token");
token("openshift_token", `sha256~[${B64U}]{43}`, [50, 50], "OpenShift user token", { entropy: 3.5 });
token("yandex_api_key", `AQVN[${B64U}]{35,38}`, [39, 42], "Yandex Cloud API key", { entropy: 3 });
token("yandex_access_token", `t1\\.[${B64U}]+={0,2}\\.[${B64U}]{86}={0,2}`, [92, 600], "Yandex OAuth / IAM token", { entropy: 3 });
token("ibm_cloud_iam_key_assign", "(?:ibm|bluemix)[_-]?(?:cloud[_-]?)?api[_-]?key[\"']?[ \\t]*[=:][ \\t]*[\"']?[A-Za-z0-9_-]{44}", [44, 44], "IBM Cloud API key after its key name", { ci: true, check: CHECK.assign, entropy: 3.5 });

// ---- source control and CI --------------------------------------------------------------------------
const GH: Opts = { check: CHECK.github, entropy: 3, mask: "ghp_************************************" };
token("github_pat", `ghp_[${B62}]{36}`, [40, 40], "GitHub personal access token (classic); CRC32 checksum", GH);
token("github_oauth_token", `gho_[${B62}]{36}`, [40, 40], "GitHub OAuth access token; CRC32 checksum", GH);
token("github_user_token", `ghu_[${B62}]{36}`, [40, 40], "GitHub user-to-server token; CRC32 checksum", GH);
token("github_server_token", `ghs_[${B62}]{36}`, [40, 40], "GitHub server-to-server (app installation) token; CRC32 checksum", GH);
token("github_refresh_token", `ghr_[${B62}]{36}`, [40, 40], "GitHub refresh token; CRC32 checksum", GH);
token("github_fine_grained_pat", `github_pat_[${B62}]{22}_[${B62}]{59}`, [93, 93], "GitHub fine-grained personal access token", { entropy: 3 });
// GitLab tokens never end with `.` (routable ones are `glpat-<payload>.<version>.<checksum>`): a `.` after one
// ends the sentence, not the token (token_trimmed).
token("gitlab_pat", "glpat-[A-Za-z0-9_.-]{20,320}", [26, 326], "GitLab personal access token", { entropy: 3, check: CHECK.token_trimmed });
token("gitlab_deploy_token", `gldt-[${B64U}]{20,64}`, [25, 69], "GitLab deploy token", { entropy: 3 });
token("gitlab_runner_token", `glrt-[A-Za-z0-9_.-]{20,320}`, [25, 325], "GitLab runner authentication token", { entropy: 3, check: CHECK.token_trimmed });
token("gitlab_runner_registration_token", `GR1348941[${B64U}]{20}`, [29, 29], "GitLab runner registration token", { entropy: 3 });
token("gitlab_pipeline_trigger_token", "glptt-[a-f0-9]{40}", [46, 46], "GitLab pipeline trigger token", { entropy: 3 });
token("gitlab_feed_token", `glft-[${B64U}]{20}`, [25, 25], "GitLab feed token", { entropy: 3 });
token("gitlab_incoming_mail_token", `glimt-[${B64U}]{25}`, [31, 31], "GitLab incoming mail token", { entropy: 3 });
token("gitlab_agent_token", `glagent-[${B64U}]{50}`, [58, 58], "GitLab Kubernetes agent token", { entropy: 3 });
token("gitlab_oauth_secret", `gloas-[${B64U}]{64}`, [70, 70], "GitLab OAuth application secret", { entropy: 3 });
token("gitlab_scim_token", `glsoat-[${B64U}]{20}`, [27, 27], "GitLab SCIM token", { entropy: 3 });
token("gitlab_job_token", `glcbt-[${B62}]{1,5}_[${B64U}]{20}`, [28, 32], "GitLab CI/CD job token", { entropy: 3 });
token("gitlab_feature_flag_token", `glffct-[${B64U}]{20}`, [27, 27], "GitLab feature flag client token", { entropy: 3 });
token("gitlab_session_cookie", "_gitlab_session=[0-9a-z]{32}", [48, 48], "GitLab session cookie", { entropy: 3 });
token("bitbucket_app_password", "ATBB[A-Za-z0-9_=.-]{28,64}", [32, 68], "Bitbucket app password", { entropy: 3 });
token("atlassian_api_token", "ATATT3[A-Za-z0-9_=-]{186}", [192, 192], "Atlassian API token", { entropy: 3.5 });
token("circleci_token", `CCIPAT_[${B62}]{22}_[a-f0-9]{40}`, [70, 70], "CircleCI personal API token", { entropy: 3 });
token("buildkite_token", "bkua_[a-f0-9]{40}", [45, 45], "Buildkite API access token", { entropy: 3 });
token("sonarqube_token", "sq[upa]_[a-f0-9]{40}", [44, 44], "SonarQube token", { entropy: 3 });
assign("sonar_login", "sonar\\.(?:login|token)", "(?:sq[upa]_)?[a-f0-9]{40}", "SonarQube token as the scanner's `sonar.login` / `sonar.token` property (`-Dsonar.login=…`, sonar-project.properties)", { min: 40, max: 44, entropy: 3, exactKey: true });
token("sourcegraph_access_token", "sgp_(?:[a-f0-9]{16}_|local_)?[a-f0-9]{40}", [44, 61], "Sourcegraph access token", { entropy: 3 });
token("docker_hub_pat", `dckr_pat_[${B64U}]{27,64}`, [36, 73], "Docker Hub personal access token", { entropy: 3 });
token("docker_hub_oat", `dckr_oat_[${B64U}]{27,64}`, [36, 73], "Docker Hub organization access token", { entropy: 3 });
token("octopus_deploy_key", "API-[A-Z0-9]{26}", [30, 30], "Octopus Deploy API key", { entropy: 3 });
token("harness_token", `(?:pat|sat)\\.[${B64U}]{22}\\.[${B62}]{24}\\.[${B62}]{20}`, [72, 72], "Harness personal / service access token", { entropy: 3 });
token("snyk_token_assign", `snyk[_.-]?(?:(?:api|oauth)[_.-]?)?(?:key|token)["']?[ \\t]*[=:][ \\t]*["']?${UUID}`, [46, 90], "Snyk API token after its key name", { ci: true, check: CHECK.assign, entropy: 3, min: 36, max: 36 });

// ---- package registries -------------------------------------------------------------------------------
token("npm_token", `npm_[${B62}]{36}`, [40, 40], "npm access token; CRC32 checksum", { check: CHECK.github, entropy: 3 });
assign("npm_auth_token_config", "_authToken", "[A-Za-z0-9_-]{36,64}", "npm `_authToken=` in .npmrc", { min: 36, max: 64, ci: false, boundary: "none" });
token("pypi_token", `pypi-AgEIcHlwaS5vcmc[${B64U}]{50,1000}`, [70, 1020], "PyPI upload token", { entropy: 3 });
token("pypi_test_token", `pypi-AgENdGVzdC5weXBpLm9yZw[${B64U}]{50,1000}`, [77, 1027], "TestPyPI upload token", { entropy: 3 });
token("rubygems_token", "rubygems_[a-f0-9]{48}", [57, 57], "RubyGems API key", { entropy: 3 });
token("nuget_key", "oy2[a-z0-9]{43}", [46, 46], "NuGet API key", { entropy: 3 });
token("clojars_token", "CLOJARS_[a-z0-9]{60}", [68, 68], "Clojars deploy token", { ci: true });
token("crates_io_token", `cio[${B62}]{32}`, [35, 35], "crates.io API token", { entropy: 3.5, classes: 2 });
token("artifactory_api_key", `AKCp[${B62}]{69}`, [73, 73], "JFrog Artifactory API key", { entropy: 4 });
token("artifactory_reference_token", `cmVmd[${B62}]{59}`, [64, 64], "JFrog Artifactory reference token", { entropy: 4 });

// ---- AI providers ------------------------------------------------------------------------------------
token("openai_api_key", `sk-(?:(?:proj|svcacct|admin)-[${B64U}]{58,74}T3BlbkFJ[${B64U}]{58,74}|[${B62}]{20}T3BlbkFJ[${B62}]{20})`, [51, 170], "OpenAI API key (with its T3BlbkFJ marker)", { entropy: 3 });
token("openai_project_key", `sk-(?:proj|svcacct|admin)-[${B64U}]{40,200}`, [48, 210], "OpenAI project / service-account / admin key", { entropy: 3.5 });
token("anthropic_api_key", `sk-ant-api03-[${B64U}]{93}AA`, [108, 108], "Anthropic API key", { entropy: 3.5, mask: "sk-ant-api03-****************" });
token("anthropic_admin_key", `sk-ant-admin01-[${B64U}]{93}AA`, [110, 110], "Anthropic admin API key", { entropy: 3.5 });
// OAuth tokens (Claude Code's `sk-ant-oat01-` access and `sk-ant-ort01-` refresh tokens) and
// claude.ai session keys: their lengths are not published, so a broad range behind the exact prefix.
token("anthropic_oauth_token", `sk-ant-(?:oat|ort|sid)[0-9]{2}-[${B64U}]{40,300}`, [53, 313], "Anthropic OAuth access or refresh token, claude.ai session key", { entropy: 3.5 });
token("groq_api_key", `gsk_[${B62}]{52}`, [56, 56], "Groq API key", { entropy: 3.5 });
token("xai_api_key", `xai-[${B62}]{80}`, [84, 84], "xAI API key", { entropy: 3.5 });
token("perplexity_api_key", `pplx-[${B62}]{48}`, [53, 53], "Perplexity API key", { entropy: 3.5 });
token("replicate_api_token", `r8_[${B62}]{37}`, [40, 40], "Replicate API token", { entropy: 3.5 });
// Tavily (web search for agents): `tvly-` and 32 characters; keys made since 2025 name their
// environment (`tvly-dev-…`, `tvly-prod-…`).
token("tavily_api_key", `tvly-(?:dev-|prod-)?[${B62}]{32,48}`, [37, 58], "Tavily API key", { entropy: 3.5 });
token("huggingface_token", "hf_[A-Za-z]{34}", [37, 37], "Hugging Face access token", { entropy: 3 });
token("huggingface_org_token", "api_org_[A-Za-z]{34}", [42, 42], "Hugging Face organization API token", { entropy: 3 });
token("langsmith_api_key", "lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}", [51, 51], "LangSmith API key", { entropy: 3 });
token("pinecone_api_key", "pcsk_[A-Za-z0-9_]{40,100}", [45, 105], "Pinecone API key", { entropy: 3.5 });
assign("cohere_api_key", "(?:co_api_key|cohere[_-]?api[_-]?key)", `[${B62}]{40}`, "Cohere API key after its key name", { min: 40, max: 40, entropy: 3.5 });
assign("mistral_api_key", "mistral[_-]?api[_-]?key", `[${B62}]{32}`, "Mistral API key after its key name", { min: 32, max: 32, entropy: 3.5 });

// ---- communication ----------------------------------------------------------------------------------
token("slack_bot_token", "xoxb-[0-9]{10,13}-[0-9]{10,13}[A-Za-z0-9-]{0,64}", [27, 95], "Slack bot token", { entropy: 3 });
token("slack_legacy_bot_token", `xoxb-[0-9]{8,14}-[${B62}]{18,26}`, [32, 46], "Slack legacy bot token (one group of digits)", { entropy: 3 });
token("slack_user_token", "xox[pe]-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9-]{28,34}", [66, 90], "Slack user token", { entropy: 3 });
token("slack_app_token", "xapp-[0-9]-[A-Z0-9]{6,16}-[0-9]{6,16}-[a-z0-9]{32,80}", [50, 130], "Slack app-level token", { ci: true, entropy: 3 });
token("slack_config_token", "xoxe\\.xox[bp]-[0-9]-[A-Z0-9]{163,166}", [175, 180], "Slack configuration access token", { ci: true, entropy: 3 });
token("slack_config_refresh_token", "xoxe-[0-9]-[A-Z0-9]{146}", [153, 153], "Slack configuration refresh token", { ci: true, entropy: 3 });
token("slack_legacy_token", "xox[os]-[0-9]{1,16}-[0-9]{1,16}-[0-9]{1,16}-[a-fA-F0-9]{8,64}", [20, 130], "Slack legacy token", { entropy: 2.5 });
token("slack_legacy_workspace_token", `xox[ar]-(?:[0-9]-)?[${B62}]{8,48}`, [13, 55], "Slack legacy workspace token", { entropy: 3 });
// (a workflow webhook's path is longer than an incoming one's: `workflows/T…/A…/<18 digits>/<24>`, 65 units)
token("slack_webhook_url", "hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,80}", [68, 114], "Slack incoming or workflow webhook URL", { entropy: 3, endBoundary: false });
token("discord_webhook_url", `discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/[${B64U}]{60,70}`, [100, 120], "Discord webhook URL", { entropy: 3 });
// The first part is the bot's user ID (decimal ASCII) in base64: every byte is 0x3_, so the first
// character is M, N or O and the second D, T, j or z. That pair is the head: a head read off the
// `.` in the middle made every decimal point of a table of numbers a candidate (28% of the time
// of a CSV of numbers).
token("discord_bot_token", `[MNO][DTjz][${B64U}]{22,24}\\.[${B64U}]{6}\\.[${B64U}]{27,38}`, [59, 72], "Discord bot token", {
  startBoundary: true, entropy: 3.5,
});
// In a Bot API URL the token follows `bot` (`api.telegram.org/bot123456789:AA…/getMe`): `bot` is
// then part of the match, so the ID has no word boundary of its own to need.
token("telegram_bot_token", `(?:bot)?[0-9]{8,10}:AA[${B64U}]{33}`, [44, 49], "Telegram bot API token", {
  back: "(?:bot)?[0-9]{8,10}", rest: `:AA[${B64U}]{33}`, boundary: "none", startBoundary: true, entropy: 3,
});
token("microsoft_teams_webhook", `[a-z0-9-]+\\.webhook\\.office\\.com/webhookb2/${UUID}@${UUID}/IncomingWebhook/[a-z0-9]{32}/${UUID}`, [150, 260], "Microsoft Teams incoming webhook URL", {
  back: "[a-z0-9-]+", rest: `\\.webhook\\.office\\.com/webhookb2/${UUID}@${UUID}/IncomingWebhook/[a-z0-9]{32}/${UUID}`, boundary: "none", ci: true, entropy: 3,
});
token("twilio_api_key", "SK[0-9a-fA-F]{32}", [34, 34], "Twilio API key SID", { entropy: 3 });
assign("twilio_auth_token", "twilio[_-]?(?:auth[_-]?)?token", "[a-f0-9]{32}", "Twilio auth token after its key name", { min: 32, max: 32, entropy: 3 });
token("telnyx_api_key", `KEY[0-9A-F]{32}_[${B62}]{22}`, [58, 58], "Telnyx API key", { entropy: 3 });
token("sendgrid_api_key", `SG\\.[${B64U}]{22}\\.[${B64U}]{43}`, [69, 69], "SendGrid API key", { entropy: 3.5 });
token("sendinblue_api_key", `xkeysib-[a-f0-9]{64}-[${B62}]{16}`, [89, 89], "Brevo (Sendinblue) API key", { entropy: 3 });
token("mailgun_api_key", "key-[0-9a-f]{32}", [36, 36], "Mailgun API key", { entropy: 3 });
token("mailgun_pub_key", "pubkey-[0-9a-f]{32}", [39, 39], "Mailgun public validation key", { entropy: 3 });
token("mailchimp_api_key", "[0-9a-f]{32}-us[0-9]{1,2}", [36, 37], "Mailchimp API key", {
  back: "[0-9a-f]{32}", rest: "-us[0-9]{1,2}", boundary: "none", startBoundary: true, entropy: 3,
});
token("mailersend_api_token", "mlsn\\.[a-f0-9]{64}", [69, 69], "MailerSend API token", { entropy: 3 });
token("resend_api_key", "re_[A-Za-z0-9_]{30,40}", [33, 43], "Resend API key", { entropy: 3.5, classes: 2 });
token("intercom_access_token", `dG9rOj[${B62}+/=]{40,80}`, [46, 86], "Intercom access token (base64 `tok:`)", { entropy: 3.5 });
token("messagebird_key_assign", `message[_-]?bird[A-Za-z0-9_.-]{0,20}["']?[ \\t]*[=:][ \\t]*["']?[${B62}]{25}`, [37, 80], "MessageBird API key after its key name", { ci: true, check: CHECK.assign, min: 25, max: 25, entropy: 3 });

// ---- payments and commerce -------------------------------------------------------------------------------
token("stripe_secret_key", `sk_(?:live|test|prod)_[${B62}]{10,247}`, [18, 256], "Stripe secret key", { entropy: 2.5, mask: "sk_live_****************" });
token("stripe_restricted_key", `rk_(?:live|test|prod)_[${B62}]{10,247}`, [18, 256], "Stripe restricted key", { entropy: 2.5 });
token("stripe_webhook_secret", `whsec_[${B62}]{32,64}`, [38, 70], "Stripe webhook signing secret", { entropy: 3 });
token("square_access_token", `(?:sq0atp-[${B64U}]{22}|EAAA[${B64U}]{60})`, [29, 64], "Square access token", { entropy: 3 });
token("square_oauth_secret", `sq0csp-[${B64U}]{43}`, [50, 50], "Square OAuth secret", { entropy: 3 });
token("braintree_access_token", "access_token\\$production\\$[0-9a-z]{16}\\$[0-9a-f]{32}", [73, 73], "PayPal Braintree access token", { entropy: 3 });
token("razorpay_key", `rzp_(?:live|test)_[${B62}]{14}`, [23, 23], "Razorpay key ID", { entropy: 3 });
token("shopify_access_token", "shpat_[a-fA-F0-9]{32}", [38, 38], "Shopify access token", { entropy: 3 });
token("shopify_custom_app_token", "shpca_[a-fA-F0-9]{32}", [38, 38], "Shopify custom app access token", { entropy: 3 });
token("shopify_private_app_token", "shppa_[a-fA-F0-9]{32}", [38, 38], "Shopify private app access token", { entropy: 3 });
token("shopify_shared_secret", "shpss_[a-fA-F0-9]{32}", [38, 38], "Shopify shared secret", { entropy: 3 });
token("plaid_access_token", `access-(?:sandbox|development|production)-${UUID}`, [51, 60], "Plaid access token", { entropy: 3 });
token("shippo_token", "shippo_(?:live|test)_[a-fA-F0-9]{40}", [52, 52], "Shippo API token", { entropy: 3 });
token("easypost_api_key", `EZAK[${B62}]{54}`, [58, 58], "EasyPost production API key", { entropy: 3.5 });
token("easypost_test_key", `EZTK[${B62}]{54}`, [58, 58], "EasyPost test API key", { entropy: 3.5 });
token("duffel_token", "duffel_(?:test|live)_[A-Za-z0-9_=-]{43}", [55, 55], "Duffel API token", { entropy: 3 });
token("flutterwave_secret_key", "FLWSECK(?:_TEST)?-[a-h0-9]{32}-X", [42, 47], "Flutterwave secret key", { entropy: 3 });
token("flutterwave_public_key", "FLWPUBK(?:_TEST)?-[a-h0-9]{32}-X", [42, 47], "Flutterwave public key", { entropy: 3 });
token("coinbase_key_assign", `coinbase[A-Za-z0-9_.-]{0,20}["']?[ \\t]*[=:][ \\t]*["']?[${B64U}]{64}`, [76, 120], "Coinbase API token after its key name", { ci: true, check: CHECK.assign, min: 64, max: 64, entropy: 3.5 });
// An app access token is the app's ID and its secret joined by `|` (`{app-id}|{app-secret}`), sent
// as `access_token=`; the ID is the back part, `|` and the secret's hex the head.
token("facebook_app_token", "[0-9]{15,16}\\|[0-9a-f]{32}", [48, 49], "Facebook (Meta) app access token (`{app-id}|{app-secret}`)", {
  back: "[0-9]{15,16}", rest: "\\|[0-9a-f]{32}", boundary: "none", startBoundary: true, entropy: 3,
});
token("facebook_access_token", `EAA[MC][${B62}]{100,400}`, [104, 404], "Facebook (Meta) access token", { entropy: 4 });
token("twitter_bearer_token", "A{22}[A-Za-z0-9%]{80,100}", [102, 122], "Twitter (X) bearer token", { entropy: 3.5 });

// ---- SaaS and developer tools ---------------------------------------------------------------------------
token("notion_token", `ntn_[0-9]{11}[${B62}]{35}`, [50, 50], "Notion integration token", { entropy: 3.5 });
token("notion_legacy_secret", `secret_[${B62}]{43}`, [50, 50], "Notion internal integration secret (legacy)", { entropy: 3.5 });
token("hubspot_private_app_token", `pat-(?:na|eu|ap)[0-9]-${UUID}`, [44, 44], "HubSpot private app access token (`pat-na1-…`)", { entropy: 3 });
// Dropbox's short-lived access tokens (`sl.` and some 140 units; `sl.u.` and longer since 2024).
token("dropbox_token", "sl\\.(?:u\\.)?[A-Za-z0-9_=-]{130,1400}", [133, 1405], "Dropbox short-lived access token (`sl.…`, `sl.u.…`)", { entropy: 3.5, maxLen: 1420 });
// A Salesforce session ID or OAuth access token: the 15-unit org ID (`00D…`), `!`, the session key.
token("salesforce_access_token", `00D[${B62}]{12}![A-Za-z0-9._]{80,200}`, [96, 216], "Salesforce session ID / access token (`00D…!…`)", { entropy: 3.5 });
token("linear_api_key", `lin_api_[${B62}]{40}`, [48, 48], "Linear API key", { entropy: 3 });
token("figma_token", `figd_[${B64U}]{40,64}`, [45, 69], "Figma personal access token", { entropy: 3.5 });
token("airtable_pat", `pat[${B62}]{14}\\.[a-f0-9]{64}`, [82, 82], "Airtable personal access token", { entropy: 3.5 });
token("asana_pat", "[0-9]/[0-9]{16}:[a-f0-9]{32}", [51, 51], "Asana personal access token", { entropy: 3 });
token("mapbox_secret_token", `sk\\.eyJ[${B64U}]{50,300}\\.[${B64U}]{20,64}`, [75, 380], "Mapbox secret access token", { entropy: 3.5 });
token("contentful_pat", `CFPAT-[${B64U}]{43}`, [49, 49], "Contentful personal access token", { entropy: 3 });
token("postman_api_key", "PMAK-[a-f0-9]{24}-[a-f0-9]{34}", [64, 64], "Postman API key", { ci: true, entropy: 3 });
token("newrelic_user_key", "NRAK-[A-Z0-9]{27}", [32, 32], "New Relic user API key", { entropy: 3 });
token("newrelic_browser_key", "NRJS-[a-f0-9]{19}", [24, 24], "New Relic browser API key", { entropy: 3 });
token("newrelic_insert_key", `NRII-[${B64U}]{32}`, [37, 37], "New Relic insights insert key", { entropy: 3 });
token("dynatrace_token", "dt0c01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}", [96, 96], "Dynatrace API token", { ci: true, entropy: 3.5 });
token("grafana_cloud_token", "glc_[A-Za-z0-9+/]{32,400}={0,3}", [36, 407], "Grafana Cloud API token", { entropy: 3 });
token("grafana_service_account_token", `glsa_[${B62}]{32}_[A-Fa-f0-9]{8}`, [46, 46], "Grafana service account token", { entropy: 3 });
token("grafana_api_key", `eyJrIjoi[${B62}]{70,400}={0,3}`, [78, 411], "Grafana API key (legacy)", { entropy: 3 });
token("sentry_user_token", "sntryu_[a-f0-9]{64}", [71, 71], "Sentry user auth token", { entropy: 3.5 });
token("sentry_org_token", "sntrys_eyJpYXQiO[A-Za-z0-9+/=_]{50,600}", [66, 616], "Sentry organization auth token", { entropy: 3.5 });
assign("datadog_api_key", "(?:datadog|dd)[_-]?(?:api|app)[_-]?key", "[a-f0-9]{32,40}", "Datadog API / application key after its key name", { min: 32, max: 40, entropy: 3 });
assign("okta_api_token", "okta[_-]?(?:api[_-]?)?token", `00[${B64U}]{40}`, "Okta API token after its key name", { min: 42, max: 42, entropy: 3.5 });
assign("pagerduty_api_key", "pagerduty[_-]?(?:api[_-]?)?(?:key|token)", "[A-Za-z0-9_+-]{20}", "PagerDuty API key after its key name", { min: 20, max: 20, entropy: 3 });
assign("algolia_api_key", "algolia[_-]?(?:admin[_-]?)?(?:api[_-]?)?key", "[a-f0-9]{32}", "Algolia API key after its key name", { min: 32, max: 32, entropy: 3 });
assign("launchdarkly_key", "launchdarkly[_-]?(?:sdk|api)?[_-]?key", `(?:sdk|api|mob)-${UUID}`, "LaunchDarkly SDK / API key after its key name", { min: 40, max: 40, entropy: 3 });
token("age_secret_key", "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", [74, 74], "age encryption secret key", { entropy: 3 });
token("onepassword_secret_key", "A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}", [39, 40], "1Password secret key", { entropy: 3.5 });
token("onepassword_service_token", "ops_eyJ[A-Za-z0-9+/]{250,2000}={0,3}", [257, 2010], "1Password service account token", { entropy: 4, maxLen: 2100 });
token("prefect_api_token", `pnu_[${B62}]{36}`, [40, 40], "Prefect API token", { entropy: 3 });
token("readme_api_token", "rdme_[a-z0-9]{70}", [75, 75], "ReadMe API token", { entropy: 3 });
token("settlemint_token", `sm_(?:aat|pat|sat)_[${B62}]{16}`, [23, 23], "SettleMint access token", { entropy: 3 });
token("infracost_api_token", `ico-[${B62}]{32}`, [36, 36], "Infracost API token", { entropy: 3 });
token("frameio_token", "fio-u-[A-Za-z0-9_=-]{64}", [70, 70], "Frame.io API token", { entropy: 3 });
token("typeform_token", "tfp_[A-Za-z0-9_.=-]{59}", [63, 63], "Typeform personal access token", { entropy: 3 });
token("clickhouse_cloud_key", `4b1d[${B62}]{38}`, [42, 42], "ClickHouse Cloud API secret key", { entropy: 3 });
token("adobe_client_secret", "p8e-[A-Za-z0-9]{32}", [36, 36], "Adobe client secret", { ci: true, entropy: 3 });
token("intra42_client_secret", "s-s4t2(?:ud|af)-[a-f0-9]{64}", [73, 73], "42 intra client secret", { entropy: 3 });
token("maxmind_license_key", `[${B62}]{6}_[${B62}]{29}_mmk`, [40, 40], "MaxMind license key", {
  back: `[${B62}]{6}_[${B62}]{29}`, rest: "_mmk", boundary: "none", startBoundary: true, entropy: 3.5,
});
token("authress_key", "(?:sc|ext|scauth|authress)_[a-z0-9]{5,30}\\.[a-z0-9]{4,6}\\.acc[_-][a-z0-9-]{10,32}\\.[a-z0-9+/_=-]{30,120}", [55, 200], "Authress service client access key", { ci: true, entropy: 3 });
token("sidekiq_secret_url", "https?://[a-f0-9]{8}:[a-f0-9]{8}@(?:gems|enterprise)\\.contribsys\\.com", [50, 70], "Sidekiq Pro/Enterprise credentials in a URL", { entropy: 3, endBoundary: false });

// ---- generic shapes -----------------------------------------------------------------------------------
// The signature may be empty: an unsigned token (`"alg":"none"`, RFC 7519 §6) ends at its second
// `.`, and its claims are still sent as a bearer credential.
token("jwt", `eyJ[${B64U}]{10,2000}\\.eyJ[${B64U}]{10,8000}\\.(?:[${B64U}]{16,2000})?`, [28, 0], "JSON Web Token (header, payload and signature, or none for `alg: none`; base64url JSON)", { entropy: 3, maxLen: 12100, mask: "eyJ****.****.****" });
rule("private_key", "-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-{1,4}[^-])+-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----", "PEM private key block (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted, PGP) with a base64 body", {
  check: CHECK.pem, maxLen: 65535, mask: "-----REDACTED PRIVATE KEY-----", boundary: "none",
});
// PuTTY's .ppk key files keep the private key as base64 lines after `Private-Lines: N`, then its
// MAC (`Private-MAC:`, or `Private-Hash:` in version 1): the whole private part, through the MAC,
// is the match. (Ending at the last base64 line instead would take the next line's `Private` as
// one more. Open repeats, which maxLen bounds: counted ones multiply into too many states.)
rule("putty_private_key", "Private-Lines:[ \\t]*[0-9]{1,3}\\r?\\n(?:[A-Za-z0-9+/=]+\\r?\\n)+Private-(?:MAC|Hash):[ \\t]*[0-9a-fA-F]{40,64}", "private part of a PuTTY key file (.ppk: `Private-Lines:`, its base64 lines and `Private-MAC:`)", {
  min: 60, max: 0, entropy: 3, maxLen: 9000, boundary: "word", mask: "Private-Lines: ****",
});
// OpenVPN's static keys (`--secret`, `tls-auth`, `tls-crypt`): 2,048 bits in hex lines between
// their markers; whoever holds one can authenticate to, or decrypt, the tunnel.
rule("openvpn_static_key", "-----BEGIN OpenVPN Static key V[12]-----[0-9a-fA-F\\s]+-----END OpenVPN Static key V[12]-----", "OpenVPN static key block (`tls-auth`, `tls-crypt`, `--secret`: hex lines between its markers)", {
  check: CHECK.pem, maxLen: 1200, mask: "-----REDACTED OPENVPN STATIC KEY-----", boundary: "none",
});
rule("private_key_fragment", "-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\\s:,-]{31,65536}[A-Za-z0-9+/=]", "PEM private key header and body without its END line (truncated output)", {
  check: CHECK.none, maxLen: 65535, mask: "-----REDACTED PRIVATE KEY-----", boundary: "none",
});
// The same blocks base64-encoded whole (kubeconfig `client-key-data`, a Kubernetes secret's
// `tls.key`, CI variables): the encoding of `-----BEGIN <type> PRIVATE KEY-----` fixes the first
// characters for each type (the last partial group left out); RSA, EC, DSA, OpenSSH, PKCS#8,
// encrypted PKCS#8, PGP. The encoding may be wrapped in lines (`base64` writes 76 characters a
// line): the body goes on over line breaks (at worst it takes the first word of the next line
// too, when the encoding ends without `=` padding).
token("private_key_base64", "LS0tLS1CRUdJTiB(?:SU0EgUFJJVkFURSBLRVkt|FQyBQUklWQVRFIEtFWS0t|EU0EgUFJJVkFURSBLRVkt|PUEVOU1NIIFBSSVZBVEUgS0VZLS0t|QUklWQVRFIEtFWS0t|FTkNSWVBURUQgUFJJVkFURSBLRVkt|QR1AgUFJJVkFURSBLRVkgQkxPQ0st)[A-Za-z0-9+/]{20,}(?:\\r?\\n[A-Za-z0-9+/]+)*={0,2}", [55, 0], "PEM private key block encoded in base64 (kubeconfig `client-key-data`, a Kubernetes secret's `tls.key`)", { entropy: 4, maxLen: 16100, mask: "LS0tLS1CRUdJTi****" });
// A credential stored in base64, as a Kubernetes Secret's `data` holds every value (`kubectl get
// secret -o yaml`, a manifest, a Helm values file): the base64 of a known token prefix, of Docker's
// `{"auths":` or of a connection URL's scheme. Each head is the part of the encoding that the
// prefix fixes (`c2tfbGl2ZV` is `sk_live_` at the start of a value: any base64 that starts with it
// decodes to `sk_live_…`); the whole encoded value is redacted. (Docker's `{"auths":` as a head,
// `eyJhdXRocyI6`, made every JWT's `eyJ` head run on: JWT heads inside base64 1.09 times slower;
// docker_config_json finds it by its key.)
const BASE64_PREFIXES = [
  "c2tfbGl2ZV", "c2tfdGVzdF", "cmtfbGl2ZV", // sk_live_, sk_test_, rk_live_ (Stripe)
  "Z2l0aHViX3BhdF", "Z2hwX", "Z2hvX", "Z2hzX", "Z2xwYXQt", // github_pat_, ghp_, gho_, ghs_, glpat-
  "eG94Yi", "eG94cC", "QUtJQ", "QVNJQ", "c2stcHJvai", "c2stYW50L", // xoxb-, xoxp-, AKIA, ASIA, sk-proj-, sk-ant-
  "cG9zdGdyZXM6Ly", "cG9zdGdyZXNxbDovL", "bXlzcWw6Ly", "bW9uZ29kYjovL", "bW9uZ29kYitzcnY6Ly", "cmVkaXM6Ly", "cmVkaXNzOi8v", "YW1xcDovL", "YW1xcHM6Ly",
];
token("base64_secret", `(?:${BASE64_PREFIXES.join("|")})[A-Za-z0-9+/]{12,4000}={0,2}`, [20, 4020], "credential encoded in base64, as a Kubernetes Secret's `data` holds it: a known token prefix (`sk_live_`, `ghp_`, `xoxb-`, `AKIA`, `sk-proj-`, …) or a connection URL (`postgres://`, `mongodb+srv://`, `redis://`, …)", { entropy: 3.5, maxLen: 4100 });
assign("docker_config_json", "\\.docker(?:configjson|cfg)", "[A-Za-z0-9+/]{20,4000}={0,2}", "a Kubernetes image-pull secret's `.dockerconfigjson` / `.dockercfg` (Docker's registry credentials in base64)", { min: 20, max: 4002, entropy: 3.5, ci: false, exactKey: true, maxLen: 4100 });
rule("database_url", "(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql|sqlserver|cockroachdb|clickhouse|couchbases?|neo4j(?:\\+s)?|snowflake)://[^\\s:/?#@\"'<>]{0,128}:[^\\s/?#\"'<>]{1,256}@", "password in a database connection URL (only the password is redacted)", {
  ci: true, check: CHECK.url_password, min: 3, entropy: 0, endBoundary: false, maxLen: 420, placeholder: "<DATABASE_PASSWORD>", mask: "****",
  back: "(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql|sqlserver|cockroachdb|clickhouse|couchbases?|neo4j(?:\\+s)?|snowflake)", rest: "://[^\\s:/?#@\"'<>]{0,128}:[^\\s/?#\"'<>]{1,256}@", boundary: "none",
});
rule("url_password", "[A-Za-z][A-Za-z0-9+.-]{0,30}://[^\\s:/?#@\"'<>]{0,128}:[^\\s/?#\"'<>]{1,256}@", "password in any `scheme://user:password@host` URL, the user possibly empty (only the password is redacted)", {
  check: CHECK.url_password, min: 3, entropy: 0, endBoundary: false, maxLen: 420, placeholder: "<URL_PASSWORD>", mask: "****",
  back: "[A-Za-z][A-Za-z0-9+.-]{0,30}", rest: "://[^\\s:/?#@\"'<>]{0,128}:[^\\s/?#\"'<>]{1,256}@", boundary: "none", startBoundary: true,
});
rule("basic_auth", "(?:[Bb]asic|BASIC)[ \\t]+[A-Za-z0-9+/]{8,2000}={0,2}", "HTTP Basic credentials, the scheme in any of its usual cases (`Basic`, `basic`: `git -c http.extraheader=\"AUTHORIZATION: basic …\"`, `BASIC`); must decode to `user:password`", { check: CHECK.basic_auth, min: 8, max: 2002, entropy: 0, maxLen: 2020, placeholder: "<BASIC_AUTH>" });
// curl, wget and httpie take `-u user:password` / `--user user:password`; a `uid:gid` or
// `app:app` after docker's `-u` does not pass the entropy gate. The user stays with the password.
rule("cli_user_password", "(?:-u|--user|--proxy-user)(?:[ \\t]+|=)[\"']?[^\\s:\"'$]{1,64}:[^\\s\"'$]{4,128}", "`user:password` after a command's `-u` / `--user` flag (curl, wget, httpie) or curl's `--proxy-user`", { check: CHECK.assign, min: 6, max: 200, entropy: 3, classes: 2, maxLen: 220 });
// A password after a command's one-letter flag, where that command makes the flag a password:
// the MySQL clients' `-pSECRET` (attached: `-p dbname` prompts and names a database) and
// sshpass's `-p SECRET`. The flag is the head; the nearest command up to six arguments of at most
// 32 units before it (not across `|`, `;` or `&`) is the back part, context only (each flag's
// value its own match), so `mkdir -p` and `ssh -p 22` are no matches, and the check keeps only
// the value. No entropy gate: after these flags anything is the password. A flag is a candidate
// only after one of its rule's commands (the gate: heads of the command's first units record
// where it ended), and a backward scan that runs over other flags stops where the rule's last
// failed scan began (back-memo.ts). Round 13 scanned back from every `-p` of every command (13
// units of work per unit of `-pa -pa …`); round 14 read six arguments ahead of every command
// (`sshpass a sshpass b …` at 0.37 of mixed text's speed). Each head is the flag and the unit
// after it (headBroadDepth 3): `-p ` is no head of the MySQL rule, `-pa` none of the rules whose
// value is a separate argument, and every `-p` of a text ends one head list, not two (the flag's
// and, one unit on, `-p `'s): `mysql -p x` repeated in 0.87 of round 15's time.
// (Arguments as `[^\n]{0,200}` made the reversed automaton exponential: a space may end the
// arguments or be one of them.)
const CLI_ARGS = "(?:[ \\t]{1,4}[^\\s|;&]{1,32}){0,6}[ \\t]{1,4}";
// A value of two units or more: the check refuses one unit (every unit the same, as `xxxx`), so
// the automaton does, and `-pa` costs no backward scan and no check.
const FLAG_VALUE = `[^\\s"']{2,}`;
// A quoted value may hold spaces (`-p"my pass word"`, `sshpass -p 'two words'`, `gh secret set N
// --body "a b"`): the quotes then close it, on its line (the check keeps what is between them).
// It starts with no space: so the unit after a flag and its first unit is never a space, the
// needed unit that refuses `-pa ` (with a space allowed there, `mysql -pa` repeated took 1.10
// times as long).
/**
 * A value in double or single quotes, as two alternatives: `body(q)` is the pattern between quotes
 * `q`, which must not admit `q` (the value ends at the first one: no backreferences).
 */
const inQuotes = (body: (q: string) => string): string => `"${body('"')}"|'${body("'")}'`;
const QUOTED_FLAG_VALUE = inQuotes((q) => `[^${q}\\s][^${q}\\n\\r\\t]+`);
/** A password after `flag` (the head, and the value) of `command` and up to six arguments (the back part). */
function flagPassword(name: string, command: string, flag: string, description: string, o: Opts = {}): void {
  const back = `${command}${CLI_ARGS}`;
  rule(name, back + flag, description, {
    check: CHECK.flag_value, min: 1, max: 0, entropy: 0, endBoundary: false, startBoundary: true, maxLen: 600, back, rest: flag, nearestStart: true, gate: command, boundary: "none", headBroadDepth: 3, ...o,
  });
}
flagPassword("mysql_password_flag", "(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)", `-p(?:["']?${FLAG_VALUE}|${QUOTED_FLAG_VALUE})`, "password attached to a MySQL or MariaDB client's `-p` flag (`mysql -u root -pS3cret`; only the password is redacted)", { placeholder: "<MYSQL_PASSWORD>" });
flagPassword("sshpass_password", "sshpass", `-p[ \\t]{0,4}(?:["']?${FLAG_VALUE}|${QUOTED_FLAG_VALUE})`, "password after sshpass's `-p` flag (`sshpass -p 'secret' ssh host`; only the password is redacted)");
// The same for the one-letter password flags of other clients, whose value is a separate argument
// (it may not start with `-`: `mongo -u admin -p --port 27017` prompts for the password).
const FLAG_ARG = `(?:["']?[^\\s"'-][^\\s"']+|${inQuotes((q) => `[^${q}\\s-][^${q}\\n\\r\\t]+`)})`;
flagPassword("redis_cli_password", "redis-cli", `-a[ \\t]{1,4}${FLAG_ARG}`, "password after redis-cli's `-a` flag (`redis-cli -a secret ping`; only the password is redacted)");
flagPassword("login_password_flag", "(?:(?:docker|podman|buildah|skopeo|nerdctl|oras|helm[ \\t]{1,4}registry)[ \\t]{1,4}login|mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport|mongostat|mongotop|mongofiles|az[ \\t]{1,4}login)", `-p[ \\t]{1,4}${FLAG_ARG}`, "password after `-p` where a client takes it as the next argument: container registry logins (`docker login -u me -p secret`, podman, buildah, skopeo, nerdctl, oras, helm registry), the MongoDB tools (`mongosh -u admin -p secret`), `az login` (a service principal's secret)");
flagPassword("ldap_bind_password", "ldap(?:search|modify|add|delete|whoami|passwd|compare|modrdn|exop|url)", `-w[ \\t]{0,4}${FLAG_ARG}`, "bind password after the OpenLDAP clients' `-w` flag (`ldapsearch -D cn=admin,… -w secret`)");
// `-P` is a password in zip's and unzip's encryption (`zip -P secret a.zip f`), SQL Server's
// clients (`sqlcmd -S srv -U sa -P secret`, bcp) and ssh-keygen (the old passphrase; `-N` the new
// one: `ssh-keygen -N 'secret' -f key`, where `-N ''` is none), and `openssl enc` takes one after
// `-k` (its legacy form). `unzip` has a rule of its own: a back part's start is the nearest one,
// and `zip` inside `unzip` (not at a word's start) would be taken and refused. So has ssh-keygen:
// a gate's heads are as long as its shortest command (`zip`: 3 units), and `ssh` began every
// `sshpass` (`sshpass` and random arguments 1.11 times slower). (7-Zip's and RAR's
// `-psecret`, attached, are not found: every `-p` and the unit after it is already a head of
// mysql_password_flag and sshpass_password, and a third rule with that head, gated by `7z`,
// `rar` and `unrar`, made `-pa -pa …` take 1.30 times as long, round 22; each rule's entry in
// the head list cost a call and its gate's test at every flag. From round 23 the gate's test is
// made without the call (entities.ts gateSeen): two such rules, 7-Zip's and RAR's and one of
// `unrar`'s own, still took 0.99 of round 22's time on `-pa -pa …`, the whole of that gain, and
// 1.09 on `mysql -pa …`.)
flagPassword("cli_password_flag", "(?:zip|zipcloak|sqlcmd|bcp|ipmitool)", `-P[ \\t]{1,4}${FLAG_ARG}`, "password after `-P` of zip, sqlcmd, bcp and ipmitool (`zip -P secret a.zip f`, `sqlcmd -U sa -P secret`, `ipmitool -U admin -P secret`)");
flagPassword("ssh_keygen_passphrase", "ssh-keygen", `-[PN][ \\t]{1,4}${FLAG_ARG}`, "passphrase after ssh-keygen's `-P` (old) or `-N` (new) flag (`ssh-keygen -N 'secret' -f key`; `-N ''` is none)");
flagPassword("unzip_password_flag", "unzip", `-P[ \\t]{1,4}${FLAG_ARG}`, "password after unzip's `-P` flag (`unzip -P secret a.zip`)");
flagPassword("openssl_enc_password", "openssl[ \\t]{1,4}enc", `-k[ \\t]{1,4}${FLAG_ARG}`, "password after `openssl enc`'s legacy `-k` flag (`openssl enc -aes-256-cbc -k secret -in f`)");
// `gh secret set NAME --body VALUE` (GitHub CLI) sets a repository secret from its argument.
flagPassword("gh_secret_body", "gh[ \\t]{1,4}secret[ \\t]{1,4}set", `(?:--body|-b)(?:[ \\t]{1,4}|=)${FLAG_ARG}`, "value of a GitHub Actions secret set on the command line (`gh secret set NAME --body \"…\"`)");
// Samba's clients take the password after the user's name and a `%` (`smbclient //srv/share -U
// alice%secret`, rpcclient, smbcacls, smbget, smbmap); `-U alice` alone prompts for it, `-U%` is
// the anonymous user. The user stays with the password, as in cli_user_password.
flagPassword("smb_user_password", "(?:smbclient|rpcclient|smbcacls|smbget|smbmap)", `-U[ \\t]{0,4}["']?[^\\s"'%-][^\\s"'%]*%[^\\s"']{2,}`, "`user%password` after `-U` of Samba's clients (`smbclient //srv/share -U alice%secret`, rpcclient, smbcacls)");
// A password piped into a command that reads it from standard input: `echo 'S3cret' | sudo -S …`
// (sudo's -S), `echo "…" | docker login -u me --password-stdin` (and podman, nerdctl, buildah,
// skopeo, oras, helm registry). `echo`, its flags, the value and the pipe are the back part, and
// the check keeps the value (`$PASS`, `"$(cat f)"` and a credential's name are none); any unit may
// be a password, so no entropy gate. Two rules, for their heads: `sudo`, and the flag after the
// login command's arguments (as the flag rules'); one rule with eight commands in its head got a
// head of three broad classes (`[bdhnops][ekoru][acdilor]`: `per`, `one`), and a head of the
// pipe alone made every `|` of a Markdown table a candidate.
/** `echo` and its flags (or `printf`), before the value it writes; the pipe after the value. */
const ECHO = "(?:echo[ \\t]+(?:-[neE]{1,3}[ \\t]+)?|printf[ \\t]+)";
const PIPE = "[ \\t]*\\|[ \\t]*";
const ECHO_BACK = `${ECHO}(?:${inQuotes((q) => `[^${q}\\n]+`)}|[^\\s"'|;&]+)${PIPE}`;
const SUDO_STDIN = `sudo(?:[ \\t]+[^\\s|;&]+){0,4}[ \\t]+-[A-Za-z]*S`;
rule("sudo_stdin_password", ECHO_BACK + SUDO_STDIN, "password echoed into `sudo -S`, which reads it from standard input (`echo 'S3cret' | sudo -S apt update`; only the password is redacted)", {
  back: ECHO_BACK, rest: SUDO_STDIN, check: CHECK.echo_value, min: 2, max: 128, entropy: 0, endBoundary: false, startBoundary: true, boundary: "none", maxLen: 400,
});
// The same passwords as a here-string (`sudo -S <<< "S3cret" apt update`), and the `user:password`
// lines chpasswd reads (`echo 'root:S3cret' | chpasswd`, as Dockerfiles write it, or `chpasswd
// <<< 'alice:S3cret'`): only the password is redacted. An unquoted here-string needs a blank
// after `<<<` (the flag checks read the value back to one).
const HERE_VALUE = `<<<(?:[ \\t]+[^\\s"'|;&]+|[ \\t]*"[^"\\n]+"|[ \\t]*'[^'\\n]+')`;
rule("sudo_herestring_password", `sudo(?:[ \\t]+[^\\s|;&<]+){0,4}[ \\t]+-[A-Za-z]*S(?:[ \\t]+[^\\s|;&<]+){0,4}[ \\t]*${HERE_VALUE}`, "password given to `sudo -S` as a here-string (`sudo -S <<< 'S3cret' apt update`; only the password is redacted)", {
  check: CHECK.flag_value, min: 2, max: 128, entropy: 0, endBoundary: false, startBoundary: true, boundary: "none", maxLen: 400,
});
rule("chpasswd_password", `chpasswd(?:[ \\t]+-[A-Za-z]+)*[ \\t]*<<<[ \\t]*["']?[^\\s"':|;&]+:[^\\s"'|;&]+`, "password in a `user:password` here-string for chpasswd (`chpasswd <<< 'alice:S3cret'`; only the password is redacted)", {
  check: CHECK.flag_credential, min: 2, max: 128, entropy: 0, endBoundary: false, startBoundary: true, boundary: "none", maxLen: 400,
});
const USER_PASSWORD = `[^\\s"':|;&]+:[^\\s"'|;&]+`;
const CHPASSWD_BACK = `${ECHO}(?:${inQuotes(() => USER_PASSWORD)}|${USER_PASSWORD})${PIPE}(?:sudo[ \\t]+)?`;
rule("chpasswd_stdin_password", `${CHPASSWD_BACK}chpasswd`, "password in a `user:password` line echoed into chpasswd (`echo 'root:S3cret' | chpasswd`, as Dockerfiles write it; only the password is redacted)", {
  back: CHPASSWD_BACK, rest: "chpasswd", check: CHECK.echo_credential, min: 2, max: 128, entropy: 0, endBoundary: false, startBoundary: true, boundary: "none", maxLen: 400,
});
const LOGIN_STDIN_BACK = `${ECHO_BACK}(?:docker|podman|nerdctl|buildah|skopeo|oras|helm[ \\t]+registry)[ \\t]+login${CLI_ARGS}`;
rule("login_stdin_password", `${LOGIN_STDIN_BACK}--password-stdin`, "password echoed into a registry login that reads it from standard input (`echo \"…\" | docker login -u me --password-stdin`, podman, nerdctl, buildah, skopeo, oras, helm registry; only the password is redacted)", {
  back: LOGIN_STDIN_BACK, rest: "--password-stdin", check: CHECK.echo_value, min: 2, max: 128, entropy: 0, endBoundary: false, startBoundary: true, boundary: "none", maxLen: 600,
});
// Windows' `net use` takes a share's password as the argument after the share's UNC path, before
// or after its switches (`net use Z: \\srv\share S3cret /user:CORP\alice`, `net use \\srv\share
// /user:alice S3cret`); `*` prompts for it, `""` is none. No entropy gate: that argument is the
// password.
rule("net_use_password", String.raw`(?:net|NET|Net)[ \t]+(?:use|USE|Use)(?:[ \t]+(?:[A-Za-z]:|\*))?[ \t]+["']?\\\\[^\s"']{1,253}["']?(?:[ \t]+/[^\s]{1,64}){0,4}[ \t]+["']?[^\s"'/*-][^\s"']*`, "password of a share given to Windows' `net use` (`net use Z: \\\\srv\\share S3cret /user:CORP\\alice`; only the password is redacted)", {
  check: CHECK.flag_value, min: 1, max: 0, entropy: 0, endBoundary: false, startBoundary: true, maxLen: 600, placeholder: "<NET_USE_PASSWORD>",
});
// SNMP's secrets on the net-snmp tools' command lines: a v1/v2c community (`-c`, which is the
// password of those versions) and v3's authentication and privacy pass phrases (`-A`, `-X`), as a
// separate argument. (Attached, `-cpublic`: each flag and any unit after it a head, which took the
// head set's construction 0.4 million steps more.)
flagPassword("snmp_community", "snmp(?:walk|bulkwalk|get|getnext|bulkget|set|table|trap)", `-[cAX][ \\t]{1,4}${FLAG_ARG}`, "SNMP community string or v3 pass phrase on the net-snmp tools' command line (`snmpwalk -v2c -c secret host`, `-A …`, `-X …`)");
// FreeRDP's password switch, attached after `/p:` (`xfreerdp /v:host /u:alice /p:secret`). (No bare
// `freerdp`: a back part's start is the nearest one, and it would be found inside `xfreerdp`.)
flagPassword("rdp_password", "(?:xfreerdp|wlfreerdp|sdl-freerdp)3?", `/p:${FLAG_ARG}`, "password after FreeRDP's `/p:` switch (`xfreerdp /v:host /u:alice /p:secret`; only the password is redacted)");
// A secret store's value set on the command line: Azure Key Vault's `az keyvault secret set …
// --value …`. (AWS Secrets Manager's `--secret-string` is cli_secret_flag's.)
flagPassword("az_keyvault_secret_value", "az[ \\t]{1,4}keyvault[ \\t]{1,4}secret[ \\t]{1,4}set", `--value(?:[ \\t]{1,4}|=)${FLAG_ARG}`, "value of an Azure Key Vault secret set on the command line (`az keyvault secret set --vault-name v --name n --value …`)");
// An FTP session's transcript (`curl -v ftp://…`, `ftp -d`, a server's log): `USER name`, the
// server's answers (a line with its three-digit code, up to two), `PASS secret`. The command before
// `PASS` is the context (`PASS` alone starts test runners' lines: `PASS test/a.test.js`); a
// transcript's marks may start the lines (`> `, `< `, `---> `). Open repeats, which maxLen bounds:
// counted ones made too many states.
rule("ftp_password", "USER[ \\t]+[^\\s]+\\r?\\n(?:(?:[<>-]+[ \\t]*)?[0-9]{3}[ -][^\\n]*\\n){0,2}(?:[<>-]+[ \\t]*)?PASS[ \\t]+[^\\s]{1,128}", "password in an FTP session's transcript (`USER alice`, then `PASS secret`)", {
  check: CHECK.flag_value, min: 1, max: 0, entropy: 0, endBoundary: false, startBoundary: true, maxLen: 400, placeholder: "<FTP_PASSWORD>",
});
// OpenSSL's pass phrase arguments (`-passin pass:S3cret`, `-passout pass:…`, `-pass`, `-password`):
// `pass:` gives the secret itself (`env:`, `file:`, `fd:` and `stdin` name where it is). The flag is
// the context, so no command is needed; only the part after `pass:` is redacted.
rule("openssl_passphrase", `-(?:passin|passout|pass|password)[ \\t]{1,4}["']?pass:[^\\s"']+`, "pass phrase given inline to OpenSSL (`-passin pass:secret`, `-passout pass:…`)", {
  check: CHECK.flag_credential, min: 1, max: 0, entropy: 0, endBoundary: false, startBoundary: true, boundary: "none", maxLen: 600,
});
// A secret after a long flag named like one, as a separate argument (`--password S3cret`,
// `--token abc…`, `--api-key …`; `--password=…` is an assignment, found by the generic rules) and
// Java's keytool / jarsigner `-storepass` / `-keypass`. The name must end at the space, so
// `--password-stdin` and `--token-file path` are no matches; `$VAR`, `$(cmd)` and `` `cmd` `` are no secrets.
// A quoted value may hold spaces (`--password "Summer Time 2024"`): all of it is the value.
rule("cli_secret_flag", `(?:--(?:password|passwd|pass|passphrase|token|(?:auth|access|api|bot|refresh|registry)-token|api-?key|api-secret|client-secret|secret-key|secret-access-key|access-key-secret|secret-string)|-(?:src|dest)?(?:store|key)pass)[ \\t]{1,4}(?:["']?[^\\s"'\`$-][^\\s"'\`]{5,255}|${inQuotes((q) => `[^${q}\\s\`$-][^${q}\\n\\r\\t\`]{5,255}`)})`, "secret after a command-line flag named like a password, token or key (`--password S3cret`, `--token …`, keytool's `-storepass`)", {
  check: CHECK.assign, min: 6, max: 256, entropy: 3, classes: 2, startBoundary: true, boundary: "none",
});
// npm's `_auth` in .npmrc (`_auth=` or `//registry/:_auth=`): base64 of `user:password`.
rule("npm_auth_basic", "_auth[ \\t]*=[ \\t]*[\"']?[A-Za-z0-9+/]{8,2000}={0,2}", "npm `_auth` in .npmrc (base64 `user:password`)", { check: CHECK.basic_auth, min: 8, max: 2002, entropy: 0, maxLen: 2020, boundary: "none" });
rule("docker_config_auth", "auth[\"']?[ \\t]*:[ \\t]*[\"'][A-Za-z0-9+/]{8,2000}={0,2}", "Docker config.json `auth` (base64 `user:password`)", { check: CHECK.basic_auth, min: 8, max: 2002, entropy: 0, maxLen: 2020 });
// A token68 (RFC 6750) may end with `.`, but in text a final `.` is the sentence's far more often
// (an unsecured JWT's empty signature is all such a `.` would leave visible).
rule("bearer_token", `[Bb]earer[ \\t]+[A-Za-z0-9._~+/-]{16,4000}=*`, "bearer token in an Authorization header or log line", { check: CHECK.assign_trimmed, min: 16, max: 4010, entropy: 3, classes: 2, maxLen: 4030 });
assign("generic_api_key", "(?:x[_-])?api[_-]?(?:key|secret|token)", "[A-Za-z0-9_+/.~-]{15,255}={0,2}", "value assigned to a key named like api_key / apiKey / api-secret / api_token", { min: 16, max: 256, entropy: 3, classes: 2 });
assign("generic_secret", "(?:client|app|application|consumer|signing|encryption|webhook|jwt|session|master)[_-]?secret(?:[_-]?key)?", "[A-Za-z0-9_+/.~-]{11,255}={0,2}", "value assigned to a key named like client_secret / app_secret / jwt_secret", { min: 12, max: 256, entropy: 3, classes: 2 });
const TOKEN_VALUE = "[A-Za-z0-9_+/.~-]{15,511}={0,2}";
assign("generic_token", "(?:auth|access|refresh|bearer|api|personal[_-]?access|private)[_-]?token", TOKEN_VALUE, "value assigned to a key named like auth_token / access_token / refresh_token", { min: 16, max: 512, entropy: 3, classes: 2 });
// More names of the same kind, with `token` as the head and the name before it as the back part:
// in generic_token's keyword list they cut its head to two units (more than 16 literal
// alternatives), a candidate at most words of prose (mixed text 1.5 times slower, measured).
// Then the services whose tokens have no prefix of their own, by the names their configuration
// gives them in lower case (`codecov_token: "…"`, `sentry-token`, `netlify_token`; upper case is
// env_token's too): a list, because any `<name>_token` would take pagination cursors (`next_token`,
// `page_token`, `continuation_token`) that an agent must send back.
const TOKEN_SERVICES = "airtable|algolia|asana|atlassian|beamer|bitbucket|buildkite|circleci|cloudflare|codecov|confluence|confluent|contentful|datadog|digitalocean|discord|doppler|drone|droneci|dropbox|etsy|facebook|fastly|figma|finnhub|flickr|fly|freshbooks|github|gitlab|gitter|gocardless|heroku|hubspot|huggingface|hf|jfrog|jira|kucoin|linear|linkedin|mapbox|mattermost|netlify|notion|npm|nytimes|okta|pagerduty|pypi|railway|render|sendbird|sentry|shopify|slack|snyk|sonar|squarespace|supabase|telegram|terraform|travis|travisci|twitch|twitter|vercel|zendesk";
const NAMED_TOKEN_KEY = `(?:id|session|csrf|xsrf|oauth|bot|client|secret|security|service|deploy|registry|${TOKEN_SERVICES})[_-]?`;
const NAMED_TOKEN_REST = assignSource("token", TOKEN_VALUE);
rule("named_token", NAMED_TOKEN_KEY + NAMED_TOKEN_REST, "value assigned to a key named like id_token / session_token / csrf_token / bot_token / client_token / deploy_token, or after a service's name (codecov_token, sentry_token, netlify_token, …)", {
  back: NAMED_TOKEN_KEY, rest: NAMED_TOKEN_REST, ci: true, check: CHECK.assign, min: 16, max: 512, entropy: 3, classes: 2, boundary: "none",
});
// The same for a key named `<name>_secret` / `<name>-secret` in any case (`bitbucket_secret:`,
// `shared_secret =`, `twitter_access_secret`), beyond generic_secret's list of names; the name is
// the back part, `secret` the head. A value must hold a digit and a letter (`secret: classified`,
// `top-secret: see-the-wiki` are words).
const NAMED_SECRET_KEY = "[A-Za-z0-9]{2,24}[_-]";
const NAMED_SECRET_REST = assignSource("secret", "[A-Za-z0-9_+/.~-]{15,255}={0,2}", true);
rule("named_secret", NAMED_SECRET_KEY + NAMED_SECRET_REST, "value assigned to a key named like bitbucket_secret / shared_secret / twitter_access_secret (any `<name>_secret`)", {
  back: NAMED_SECRET_KEY, rest: NAMED_SECRET_REST, ci: true, check: CHECK.assign_mixed, min: 16, max: 256, entropy: 3, classes: 2, boundary: "none",
});
// Keys that are credentials by their name alone, where tool traffic carries them: a key named
// exactly `token` (`?token=` in a URL, `"token": "…"` in a JSON answer, `token: …` in YAML), an
// environment variable ending in `_TOKEN`, `_PAT` or `_SESSION` (`env` output, `.env` files,
// compose files; Bitwarden's CLI unlocks into `BW_SESSION`), and the signature of a signed URL
// (S3 and GCS presigned URLs, CloudFront's `Signature=`), which grants access to the object until
// it expires. Exact key names: `tokenizer:` and `nextPageToken` (a
// pagination cursor an agent must keep) are no matches; `$TOKEN` and `<token>` are placeholders,
// and a value must hold a digit and a letter (CHECK.assign_mixed): `"token":
// "authentication-required"` is a word list, not a token.
assign("token_value", "token", "[A-Za-z0-9_+/.~%-]{15,511}={0,2}", "value of a key named exactly `token` (`?token=…` in a URL, `\"token\": \"…\"` in JSON, `token: …` in YAML)", { min: 16, max: 512, entropy: 3, classes: 2, boundary: "word", exactKey: true, check: CHECK.assign_mixed });
// The same for a key named exactly `secret` in lower case or capitalised (a webhook's or an app's
// secret in YAML or JSON: `secret: …`, `"Secret": "…"`); `SECRET=…` is env_secret's.
assign("secret_value", "[Ss]ecret", "[A-Za-z0-9_+/.~%-]{15,511}={0,2}", "value of a key named exactly `secret` or `Secret` (`secret: …` in YAML, `\"secret\": \"…\"` in JSON)", { min: 16, max: 512, entropy: 3, classes: 2, ci: false, boundary: "word", exactKey: true, check: CHECK.assign_mixed });
// The same for an environment variable named `…_KEY`, `…_SECRET` or `SECRET` (`PLAID_SECRET=…`,
// `SUMO_ACCESS_KEY=…`, `MAILGUN_WEBHOOK_SIGNING_KEY=…`, Laravel's `APP_KEY=base64:…`): vendors'
// keys without a prefix of their own, which the generic rules find only under the names they list.
// Upper case only, a digit and a letter: `api_key = get_key()` and `SSH_KEY=~/.ssh/id_rsa` are no
// matches, and neither is an OpenPGP key's public fingerprint (`GPG_KEY=A035…` in Python's
// container images: 40 hex digits under a `gpg`/`pgp` key's name, checks.ts pgpFingerprint).
// Both also after a space alone: a Dockerfile's `ENV API_TOKEN value` (the legacy form), a log's
// `Loaded SLACK_TOKEN xoxb…`; prose names such variables before words (`the API_KEY environment
// variable`), which hold no digit.
assign("env_secret", "(?:_KEY|SECRET)", `(?:base64:)?${TOKEN_VALUE}`, "value of an environment variable named `…_KEY`, `…_SECRET` or `SECRET` (`PLAID_SECRET=…`, `SUMO_ACCESS_KEY=…`, Laravel's `APP_KEY=base64:…`, a Dockerfile's `ENV API_KEY …`)", { min: 16, max: 520, entropy: 3, classes: 2, ci: false, exactKey: true, spaced: true, check: CHECK.assign_mixed });
assign("env_token", "_(?:TOKEN|PAT|SESSION)", TOKEN_VALUE, "value of an environment variable named `…_TOKEN`, `…_PAT` or `…_SESSION` (`SLACK_TOKEN=…`, `HF_TOKEN: …` in a compose file, `AZURE_DEVOPS_PAT=…`, Bitwarden's `BW_SESSION=…`, a Dockerfile's `ENV API_TOKEN …`)", { min: 16, max: 512, entropy: 3, classes: 2, ci: false, exactKey: true, spaced: true, check: CHECK.assign_mixed });
assign("signed_url_signature", "(?:X-Amz-|X-Goog-)?Signature", "[A-Za-z0-9_+/~%-]{32,2048}={0,2}", "signature of a presigned or signed URL (`X-Amz-Signature=`, `X-Goog-Signature=`, CloudFront `Signature=`)", { min: 32, max: 2048, entropy: 3, classes: 2, boundary: "word", exactKey: true, check: CHECK.assign_mixed });
assign("generic_password", "(?:password|passwd|pwd|passphrase|db[_-]?pass)", "[^\\s\"'`,;<>]{6,128}", "value assigned to a key named like password / passwd / pwd", { min: 6, max: 128, entropy: 2, classes: 2 });
// A pass phrase: a password's key with a quoted value of two or more words (`password = "correct
// horse battery staple"`, `PASSWORD='my dog rex 2019'`, a Google app password `"abcd efgh ijkl
// mnop"`), which generic_password's one word cannot hold (it found none of these, or, for
// `Tr0ub4dor &3`, a part). Only quoted: unquoted, a value of words after `password:` is a
// description in API documentation. The key ends with the keyword (`password_hint = "…"` is
// none); the check keeps the words and refuses prose (`"Enter your password"`, `"Mot de passe"`;
// checks.ts proseWords). Wi-Fi's `psk` is a rule of its own: in one rule with the others, its
// three units cut every head to three (`pas`), and every `-passin` was a candidate.
const PHRASE_WORD = "[^\\s\"'`\\\\<>{}]+";
const PHRASE = `${PHRASE_WORD}(?: ${PHRASE_WORD})+`;
function passphraseRule(name: string, keys: string, description: string, o: Opts): void {
  rule(name, `${keys}["']?\\]?[ \\t]*(?:=|:=|:|=>|\\?=)[ \\t]*(?:${inQuotes(() => PHRASE)})`, description, {
    check: CHECK.passphrase, entropy: 2.5, classes: 1, endBoundary: false, maxLen: 180, ...o,
  });
}
passphraseRule("quoted_passphrase", "(?:password|passwd|passphrase|pass[_-]phrase)", "pass phrase of two or more words, quoted, under a password's key (`password = \"correct horse battery staple\"`; only the words are redacted)", { ci: true, boundary: "none", min: 8, max: 128 });
passphraseRule("wifi_psk_phrase", "psk", "Wi-Fi pass phrase of two or more words, quoted, under a key named exactly `psk` (`psk=\"home network 5g\"` in wpa_supplicant.conf; only the words are redacted)", { boundary: "word", min: 8, max: 63 });
// A key that ends with `_pass` or `-pass` (`SMTP_PASS=`, `MAIL_PASS=`, Ansible's
// `ansible_become_pass`, `ansible_ssh_pass`), which generic_password's names (`password`,
// `passwd`, `db_pass`) do not cover. The key ends there (`pass` alone is Python's statement,
// `_passthrough` and `bypass` are other words).
assign("pass_suffix_password", "[_-]pass", "[^\\s\"'`,;<>]{6,128}", "value assigned to a key that ends with `_pass` (`SMTP_PASS=…`, `ansible_become_pass: …`)", { min: 6, max: 128, entropy: 2, classes: 2, exactKey: true });
// WireGuard's configuration: `PrivateKey = …` is generic_private_key_value's, `PresharedKey = …`
// (a symmetric key shared by two peers) is this one: 32 bytes in base64, 44 characters.
assign("wireguard_preshared_key", "PresharedKey", "[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=", "WireGuard preshared key (`PresharedKey = …`, 44 characters of base64)", { min: 44, max: 44, entropy: 3.5, ci: false, exactKey: true, boundary: "word" });
// A Wi-Fi network's pre-shared key: wpa_supplicant's `psk="passphrase"` or `psk=<64 hex>`,
// NetworkManager's `psk=…` (hostapd's `wpa_passphrase=` is generic_password's). The key is exactly
// `psk`; a passphrase may be words (no entropy gate beyond the token's), 8 to 64 characters,
// the value's class generic_password's (`psk: NodeJS.ArrayBufferView;` is a type, and code).
assign("wifi_psk", "psk", "[^\\s\"'`,;<>]{8,64}", "Wi-Fi pre-shared key or passphrase (`psk=\"…\"` in wpa_supplicant.conf, `psk=…` in a NetworkManager profile)", { min: 8, max: 64, entropy: 2, classes: 1, ci: false, exactKey: true, boundary: "word" });
assign("generic_private_key_value", "(?:private|secret)[_-]?key", "[A-Za-z0-9_+/.~-]{19,511}={0,2}", "value assigned to a key named like private_key / secret_key", { min: 20, max: 512, entropy: 3.5, classes: 2 });
// Keys named for what they do (`encryption_key`, `masterKey`, `signing-key`, `license_key`; upper
// case is env_secret's), only with a quoted value holding a digit and a letter: unquoted, in
// code, such a name is assigned names and calls (`encryption_key = get_encryption_key()`); with
// the other names generic_private_key_value's rule took 60 names and digests in gsutil's code.
// The key ends with the name (`encryption_key_sha256` holds a digest, `signing_key_id` an id).
rule("named_key_quoted", `(?:[Ee]ncryption|[Mm]aster|[Ss]igning|[Ll]icense)[_-]?[Kk]ey["']?\\]?[ \\t]*(?:=|:=|:|=>)[ \\t]*["'\`][A-Za-z0-9_+/.~-]{15,511}={0,2}`, "quoted value of a key named like encryption_key / master_key / signing_key / license_key (`encryption_key: \"…\"`)", {
  ci: false, check: CHECK.assign_mixed, min: 16, max: 512, entropy: 3, classes: 2, boundary: "none",
});

// HTTP credentials outside `Basic` / `Bearer`: an `Authorization` header whose scheme is one of the
// token schemes APIs document (`Token`: Django REST framework, GitHub's `token`; `SSWS`: Okta;
// `Api-Key`, `Key`, `GenieKey`, `Splunk`), or none (`Authorization: lin_api_…`, a raw key). The
// value is the header's last word (the check reads it from the end, as for a command-line flag);
// `Basic x`, `Bearer x` and `Digest …` leave only the scheme as a last word (too short: no match;
// basic_auth and bearer_token find those). It must hold a digit and a letter
// (CHECK.header_credential): `Authorization: required-for-all-endpoints` is documentation.
rule("authorization_header", `[Aa]uthorization["']?[ \\t]*:[ \\t]*["']?(?:(?:[Tt]oken|SSWS|[Aa]pi-?[Kk]ey|[Kk]ey|GenieKey|Splunk)[ \\t]+)?[A-Za-z0-9_+/.~=-]{16,4000}`, "credential in an `Authorization` header with a token scheme (`Token`, `token`, `SSWS`, `Api-Key`, `Key`, …) or none", {
  ci: false, check: CHECK.header_credential, min: 16, max: 4000, entropy: 3, classes: 2, endBoundary: true, maxLen: 4060, placeholder: "<AUTHORIZATION>",
});
// Session cookies by the names frameworks give them (PHP, Java servlets, ASP.NET, Express, Django,
// Laravel, Rails): whoever holds the value is logged in. `Cookie:` / `Set-Cookie:` lines, and
// `;jsessionid=` in a URL.
assign("session_cookie", "(?:PHPSESSID|JSESSIONID|ASP\\.NET_SessionId|connect\\.sid|sessionid|session_id|laravel_session|_session_id)", "[A-Za-z0-9_+/.~%:-]{15,511}={0,2}", "session cookie of a web framework (`PHPSESSID`, `JSESSIONID`, `ASP.NET_SessionId`, `connect.sid`, Django's `sessionid`, `laravel_session`, `_session_id`)", {
  min: 16, max: 512, entropy: 3, classes: 2, boundary: "word", exactKey: true, check: CHECK.assign_mixed,
});

// Credentials in a URL's query under names that are too common to read alone: `?key=` (Google
// and many others' API keys), `&auth=` (Firebase's REST API), `?access_key=`, `?secret=`. The
// query's `?`, `&` or `;` is part of the match (the check skips it), so `key: …` in YAML and
// `monkey=` are no matches; the value holds a digit and a letter (`?key=user-profile` is none).
rule("url_query_credential", "[?&;](?:key|auth|access_?key|secret)=[A-Za-z0-9_+/.~%-]{15,511}={0,2}", "credential in a URL query under a short name (`?key=…`, `&auth=…`, `?access_key=…`, `?secret=…`)", {
  ci: true, check: CHECK.assign_mixed, min: 16, max: 512, entropy: 3, classes: 2, boundary: "none", endBoundary: true,
});
// Passwords in SQL that creates or changes a database user: MySQL's `IDENTIFIED BY 'pw'` (also
// `IDENTIFIED WITH plugin BY`), Oracle's `IDENTIFIED BY pw` (unquoted: upper case only, as prose
// says "identified by `name`"), PostgreSQL's `[WITH] [ENCRYPTED] PASSWORD 'pw'` (quoted:
// `password reset` in prose is no match). Keywords in upper or lower case. SQL Server's `PASSWORD
// = 'pw'` is an assignment (generic_password). The value is the last word, up to its closing
// quote; no entropy gate: whatever follows these keywords is the password.
rule("sql_password", `(?:(?:IDENTIFIED|identified)[ \\t]+(?:(?:WITH|with)[ \\t]+[A-Za-z0-9_]{1,64}[ \\t]+)?(?:BY|by)[ \\t]+["']|IDENTIFIED[ \\t]+BY[ \\t]+|(?:PASSWORD|password)[ \\t]+["'])[^\\s"';]{1,128}`, "password in SQL that creates or alters a user (`IDENTIFIED BY 'pw'`, `WITH PASSWORD 'pw'`)", {
  check: CHECK.flag_value, min: 1, max: 0, entropy: 0, endBoundary: false, startBoundary: true, maxLen: 220, placeholder: "<SQL_PASSWORD>",
});
// NuGet's NuGet.Config keeps a feed's password in clear under `ClearTextPassword`
// (`<add key="ClearTextPassword" value="…" />`); the value is the attribute's, up to its quote.
rule("nuget_cleartext_password", `ClearTextPassword"[ \\t]+value="[^"\\s]{1,128}`, "password of a NuGet feed in NuGet.Config (`<add key=\"ClearTextPassword\" value=\"…\" />`)", {
  check: CHECK.flag_value, min: 1, max: 0, entropy: 0, endBoundary: false, startBoundary: false, boundary: "none", maxLen: 180, placeholder: "<NUGET_PASSWORD>",
});
/**
 * A setting's name that ends with a credential's (`db.password`, `Stripe:ApiKey`,
 * `javax.net.ssl.keyStorePassword`): any name units, then `password`, `passwd`, `pwd`, `secret`,
 * `token` or one of `keys` before `key` (the rules that use it are case-insensitive).
 */
const credentialSetting = (keys: string): string => `[A-Za-z0-9_.:-]*(?:password|passwd|pwd|secret|token|(?:${keys})[_.-]?key)`;
// A setting kept as an XML element's attributes, whose key's name ends with a credential's: .NET's
// appSettings (`<add key="Stripe:ApiKey" value="…" />`), Java's properties in XML and Spring's
// beans (`<entry key="db.password" value="…"/>`, `<property name="smtpPassword" value="…"/>`). The
// value is the attribute's, up to its quote. A key that only starts with such a word names
// something about it (`PasswordMinLength`, `ApiKeyHeader`): no match.
rule("xml_setting_credential", `(?:key|name)=["']${credentialSetting("api|access|private")}["'][ \\t]+value=["'][^"'\\s<>]{8,512}`, "credential in an XML setting whose key names one (`<add key=\"Stripe:ApiKey\" value=\"…\" />`, `<entry key=\"db.password\" value=\"…\"/>`)", {
  ci: true, check: CHECK.flag_value, min: 8, max: 512, entropy: 2.5, classes: 2, endBoundary: false, maxLen: 640, placeholder: "<XML_SETTING_CREDENTIAL>",
});
// PHP's constants of credentials (`define( 'DB_PASSWORD', '…' );` in wp-config.php and most PHP
// applications' configuration): a name that ends with a credential's, then its quoted value, up to
// its quote (no space: a passphrase with one keeps its first words visible).
rule("php_define_credential", `define\\([ \\t]*["'][A-Za-z0-9_]*(?:PASSWORD|PASS|PASSWD|PWD|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY)["'][ \\t]*,[ \\t]*["'][^"'\\s]{4,256}`, "credential defined as a PHP constant whose name ends with one (`define( 'DB_PASSWORD', '…' );`)", {
  check: CHECK.flag_value, min: 6, max: 256, entropy: 2, classes: 2, endBoundary: false, maxLen: 360, placeholder: "<PHP_DEFINE_CREDENTIAL>",
});
// A credential passed to a setter as its quoted name and value: Java's system and configuration
// properties (`System.setProperty("javax.net.ssl.keyStorePassword", "…")`, `props.setProperty`),
// the browser's storage (`localStorage.setItem("token", "…")`), Python's `os.environ.setdefault`
// and `config.set`, Go's `os.Setenv`, maps' `put`. The name must end with a credential's, and the
// value is the second argument, up to its quote. Only after these calls: two quoted strings alone
// are as often a list of names (`"HTTPPasswordMgr", "urllib2"`).
rule("setter_credential", `(?:set|setItem|setProperty|setdefault|setenv|put|putenv)\\([ \\t]*["']${credentialSetting("api|access|private|secret|auth|signing|encryption|master")}["'][ \\t]*,[ \\t]*["'][^"'\\s]{8,512}`, "credential passed to a setter with its name (`System.setProperty(\"…Password\", \"…\")`, `localStorage.setItem(\"token\", \"…\")`, `os.Setenv(\"API_TOKEN\", \"…\")`)", {
  ci: true, check: CHECK.flag_value, min: 8, max: 512, entropy: 2.5, classes: 2, endBoundary: false, maxLen: 640, placeholder: "<SETTER_CREDENTIAL>",
});
// PowerShell makes a credential from a plain string with `ConvertTo-SecureString "…" -AsPlainText
// -Force` (or `-String "…"`; without `-AsPlainText`, the string is an encrypted standard string,
// which still is the secret's). The value is the quoted argument; `$var` is none.
rule("powershell_secure_string", `ConvertTo-SecureString(?:[ \\t]+-(?:String|AsPlainText|Force)(?::\\$true)?)*[ \\t]+["'][^"'\\s$]{1,256}`, "plain-text password given to PowerShell's `ConvertTo-SecureString \"…\" -AsPlainText` (only the string is redacted)", {
  ci: true, check: CHECK.flag_value, min: 1, max: 0, entropy: 0, endBoundary: false, startBoundary: true, maxLen: 400, placeholder: "<POWERSHELL_SECURE_STRING>",
});
// WordPress's keys and salts in wp-config.php (`define( 'AUTH_KEY', '…' );`): 64 characters of
// its generator's alphabet, every visible ASCII character and the space but the quotes and `\`,
// which the token value classes would cut at its first symbol (redacting a part, leaving the rest).
// Only in `define`'s quoted form: with every assignment operator before it, a value that may start
// with a space made the automaton too large to build.
rule("wordpress_salt", "(?:AUTH|SECURE_AUTH|LOGGED_IN|NONCE)_(?:KEY|SALT)[\"'][ \\t]*,[ \\t]*[\"'][ !#-&(-\\[\\]-~]{64}", "WordPress key or salt in wp-config.php (`define( 'AUTH_KEY', '…' );`, 64 characters, symbols included)", {
  check: CHECK.assign, min: 60, max: 64, entropy: 4, classes: 3, endBoundary: false, boundary: "word",
});
// ~/.netrc (curl, git, ftp, Python's netrc): `machine host login user password secret`, the
// tokens on one line or several. The value is the last word, less a final `.`, `,`, `;`, `:`,
// bracket or quote (the sentence's, or a quoted value's closing quote).
rule("netrc_password", `machine[ \\t]+[^\\s]{1,253}(?:[ \\t\\r\\n]+(?:login|account)[ \\t]+[^\\s]{1,128}){0,2}[ \\t\\r\\n]+password[ \\t]+[^\\s]{0,127}[^\\s.,;:)\\]}"']`, "password in a `.netrc` entry (`machine api.example.com login me password secret`)", {
  check: CHECK.flag_value, min: 1, max: 0, entropy: 0, endBoundary: false, startBoundary: true, maxLen: 700, placeholder: "<NETRC_PASSWORD>",
});

// Redis' password in redis.conf or set at runtime: `requirepass S3cret`, a replica's `masterauth
// S3cret`, `CONFIG SET requirepass S3cret`. Two classes, as generic_password's: the sample file's
// `# requirepass foobared` is a placeholder. Lower case, as redis.conf writes them: `the MasterAuth
// struct.` in prose is no password.
assign("redis_password", "(?:requirepass|masterauth)", "[^\\s\"'`,;<>]{6,128}", "Redis password in redis.conf or `CONFIG SET` (`requirepass S3cret`, a replica's `masterauth S3cret`)", { min: 6, max: 128, entropy: 2, classes: 2, exactKey: true, spaced: true, boundary: "word", ci: false });
// Windows' `net user NAME PASSWORD` sets a local or domain account's password (`/add`, `/domain`
// may follow); `*` prompts for it and a `/` starts a switch.
rule("net_user_password", "(?:net|NET|Net)[ \\t]+(?:user|USER|User)[ \\t]+[\"']?[^\\s\"'/]+[\"']?[ \\t]+[\"']?[^\\s\"'/*<-][^\\s\"']*", "password of an account set with Windows' `net user` (`net user alice S3cret /add`; only the password is redacted)", {
  check: CHECK.flag_value, min: 4, max: 0, entropy: 0, endBoundary: false, startBoundary: true, maxLen: 400, placeholder: "<NET_USER_PASSWORD>",
});
// `openssl passwd` hashes the password given as its argument (`useradd -p "$(openssl passwd -6
// S3cret)" alice`): the clear password sits on the command line. Its flags come first; `-stdin`
// and `-in file` read it from elsewhere.
rule("openssl_passwd", "openssl[ \\t]+passwd(?:[ \\t]+-(?:1|5|6|apr1|aixmd5|crypt|noverify|quiet|table|reverse|salt[ \\t]+[^\\s]+))*[ \\t]+[\"']?[^\\s\"')$<-][^\\s\"')]*", "password given to `openssl passwd` to hash (`openssl passwd -6 S3cret`; only the password is redacted)", {
  check: CHECK.flag_value, min: 2, max: 0, entropy: 0, endBoundary: false, startBoundary: true, maxLen: 400,
});
// PostgreSQL's password file (`~/.pgpass`, `PGPASSFILE`): `host:port:database:user:password`, each
// field possibly `*`, `\:` a colon inside one. The port and its colons are the head (`:5432:`,
// `:*:`); the host is the back part. The check wants the line alone and five fields, and keeps the
// password. No field holds an unescaped colon, the password's neither: so a run stops at the next
// one (with the password read to the next blank, the texts of the rule's own walks, which hold no
// blank, cost 72 units of work per unit: every head read to maxLen).
const PG_FIELD = "(?:[^:\\s\\\\]|\\\\.)+";
/** The host: a name, an address, `*`, or an IPv6 address with its colons escaped (`\:\:1`, `fe80\:\:1`). */
const PG_HOST = "(?:[A-Za-z0-9.*_\\[\\]-]|\\\\:)+";
/** The port (the head) and the database, user and password fields after the host. */
const PG_REST = `:(?:[0-9]{1,5}|\\*):${PG_FIELD}:${PG_FIELD}:${PG_FIELD}`;
rule("pgpass_password", PG_HOST + PG_REST, "password in a line of PostgreSQL's password file (`db.example.com:5432:app:alice:S3cret`, `\\:\\:1:5432:…` for an IPv6 host; only the password is redacted)", {
  back: PG_HOST, rest: PG_REST,
  check: CHECK.pgpass, min: 1, max: 128, entropy: 0, endBoundary: false, boundary: "none", maxLen: 600, placeholder: "<PGPASS_PASSWORD>",
});
// Apache's htpasswd takes the password as its last argument in batch mode (`-b`): `htpasswd -b[c…]
// file user password`, or with `-n` (print the entry, no file) one argument fewer: `htpasswd -nb
// user password >> .htpasswd`. The command is the head; its flags (one holding `b`; with `n` in
// any, the short form) and arguments are read forward, a flag maybe with a number (`-C 12`, `-r
// 10000`), and the value is the last word, as for the password flags. No entropy gate: whatever
// is in that place is the password. Arguments never start with `|;&<>` (a redirection is none).
// Open repeats (maxLen bounds them): counted ones made the automaton's construction exceed its
// work limit (which of four flags, which of eight letters).
const HT_S = "[ \\t]+";
/** A flag word (`-` and `letters`, a pattern), maybe followed by a number (`-C 12`). */
const htFlag = (letters: string) => `${HT_S}-${letters}(?:${HT_S}[0-9]+)?`;
const HT_ARG = `${HT_S}["']?[^\\s"'|;&<>-][^\\s"']*`;
// (the last, as netrc_password's: less a final `.`, `,`, `;`, `:` or bracket, the sentence's)
const HT_LAST = `${HT_S}["']?[^\\s"'|;&<>-](?:[^\\s"']*[^\\s"'.,;:)\\]}])?`;
const HT_NO_N = "[A-Za-mo-z]";
const HT_ANY = htFlag("[A-Za-z]+");
const HT_NO_N_ANY = htFlag(`${HT_NO_N}+`);
const HT_B = htFlag(`${HT_NO_N}*b${HT_NO_N}*`);
const HT_HAS_B = htFlag("[A-Za-z]*b[A-Za-z]*");
const HT_HAS_N = htFlag("[A-Za-z]*n[A-Za-z]*");
const HT_BN = htFlag("[A-Za-z]*(?:b[A-Za-z]*n|n[A-Za-z]*b)[A-Za-z]*");
const HT_FLAGS_N = `(?:${HT_ANY})*(?:${HT_BN}|${HT_HAS_N}(?:${HT_ANY})*${HT_HAS_B}|${HT_HAS_B}(?:${HT_ANY})*${HT_HAS_N})(?:${HT_ANY})*`;
const HT_FLAGS_NO_N = `(?:${HT_NO_N_ANY})*${HT_B}(?:${HT_NO_N_ANY})*`;
rule("htpasswd_password", `htpasswd(?:${HT_FLAGS_NO_N}(?:${HT_ARG}){2}|${HT_FLAGS_N}${HT_ARG})${HT_LAST}`, "password given to Apache's htpasswd in batch mode (`htpasswd -b file user pw`, `htpasswd -nb user pw`; only the password is redacted)", {
  check: CHECK.flag_value, min: 1, max: 0, entropy: 0, endBoundary: false, startBoundary: true, maxLen: 900, placeholder: "<HTPASSWD_PASSWORD>",
});
// Django's SECRET_KEY (it signs sessions, password-reset links and messages): 50 characters of its
// generator's alphabet (lower case, digits, `!@#$%^&*(-_=+)`), where the generic rules' classes
// stop; `startproject` writes it with the prefix `django-insecure-`, distinctive anywhere. Without
// the prefix, the key name: `SECRET_KEY = '…'` in settings.py, `DJANGO_SECRET_KEY=…` in a `.env`.
// The rules read the text after the evasion defences, which decode `%XX` and `&#N`: one key in
// twenty holds such an escape (`…%4f…` reads `…O…`, two units shorter; `…%22…` reads `"`). So the
// class is every visible ASCII character but `/` and `\` (a path is no key), 44-50 of them (up to
// three escapes), the last not a quote, `` ` ``, `.`, `,`, `:` or `;` (a shortened key stops before
// the sentence's). A shortened key may take up to six units after it (`'key48',` takes `',`): a unit
// too many redacted, where a narrower class left a key whose escape decodes to a quote in clear.
// An escape that decodes to a space, `/` or `\` (about one key in 800) still breaks the match.
const DJANGO_KEY = "[!-.0-\\[\\]-~]{43,49}[!#-&(-+\\-0-9<-\\[\\]-_a-~]";
token("django_insecure_key", `django-insecure-${DJANGO_KEY}`, [60, 66], "Django secret key as `startproject` writes it (`django-insecure-` and 50 characters)", { entropy: 3.5 });
assign("django_secret_key", "SECRET_KEY", `(?:django-insecure-)?${DJANGO_KEY}`, "Django `SECRET_KEY` (50 characters of Django's generator alphabet, symbols included) after its key name", { min: 44, max: 66, entropy: 3.5, exactKey: true });

export const SECRET_RULES: readonly SecretRule[] = rules;
export const SECRET_RULE_NAMES: readonly string[] = rules.map((r) => r.name);

{
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.name) || !/^[a-z][a-z0-9_]*$/.test(r.name)) throw new Error(`secret rule name ${r.name} is duplicated or malformed`);
    seen.add(r.name);
  }
}

export function secretRule(name: string): SecretRule | undefined {
  return rules.find((r) => r.name === name);
}
