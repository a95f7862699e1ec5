// YAML parse options that read policy files the way the original's PyYAML (`yaml.safe_load`) did,
// so its policies load unchanged: YAML 1.1 (`yes`/`no`/`on`/`off` are booleans, `<<` merges,
// 0755 is octal), duplicate keys refused, short messages (we add the position ourselves).
import type { DocumentOptions, ParseOptions, ScalarTag, SchemaOptions, Tags } from "yaml";

// The yaml library's 1.1 schema also reads `y`/`n`/`Y`/`N` as booleans; PyYAML does not, and a
// policy named `n` or a tool `y` must stay a string. These are PyYAML's resolver patterns.
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;

function pyYamlBooleans(tags: Tags): Tags {
  return tags.map((t) => {
    if (typeof t !== "object" || t.tag !== "tag:yaml.org,2002:bool" || "collection" in t) return t;
    const scalar: ScalarTag = { ...(t as ScalarTag), test: t.identify?.(true) ? PY_TRUE : PY_FALSE };
    return scalar;
  });
}

export const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  uniqueKeys: true,
  prettyErrors: false,
  customTags: pyYamlBooleans,
};
