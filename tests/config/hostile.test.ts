/**
 * Hostile and impossible configs, as an adversarial or careless user writes them. Each one must be refused before
 * anything reaches the cloud (the same `parseConfig` the program runs at preview), with a one-line problem naming
 * the key and saying what is allowed, no secret value anywhere in the message, no stack trace, fast.
 */
import { strict as assert } from "assert";
import { performance } from "perf_hooks";
import { ConfigError, parseConfig } from "../../config/schema";
import { fullConfig } from "./fixtures";

/** Every secret-looking value below contains it: a message containing it leaks. */
const CANARY = "C4n4ry";
const HF = `hf_${CANARY}abcdefghijklmnopqrstuvwxyzAB`;

interface Hostile {
  what: string;
  /** Changes one thing in a copy of fullConfig() (a returned value is ignored). */
  mutate: (c: Record<string, any>) => unknown;
  /** The whole raw config instead, when it cannot be made by changing a copy. */
  raw?: () => Record<string, unknown>;
  /** The key the message must name. */
  key: string;
  /** What the message must say is allowed. */
  allowed: RegExp;
}

const model = (c: Record<string, any>, i = 0) => c.gpuCluster.models[i];
const gpuPool = (c: Record<string, any>) => c.gpuCluster.cluster.nodePools[0];
const set = (path: string, value: unknown) => (c: Record<string, any>): void => {
  const keys = path.split(".");
  let node = c;
  for (const k of keys.slice(0, -1)) node = node[k];
  node[keys[keys.length - 1]] = value;
};
const K = (path: string) => `ovh-llm:${path}`;
/** An object whose own keys include `__proto__` (as JSON.parse and js-yaml make it). */
const withOwnProto = (json: string) => JSON.parse(json);
/** A DAG like the one YAML aliases build: 9 levels of 9 references to one list, 387 million strings once expanded. */
function laughs(): unknown {
  let v: unknown = Array(9).fill("lol");
  for (let i = 0; i < 9; i++) v = Array(9).fill(v);
  return v;
}
function nested(depth: number): unknown {
  let v: unknown = "deep";
  for (let i = 0; i < depth; i++) v = { x: v };
  return v;
}

const CREDENTIAL = /no credential in plain config/;
const PRINTABLE = /printable text/;
const UNKNOWN = /no such key/;
const CIDR = /an IPv4 CIDR such as 203\.0\.113\.0\/24/;
const HOST = /fully qualified DNS name/;
const IMAGE_PINNED = /pinned tag or digest|image reference/;
const SELECTOR = /a vLLM metric selector: a name, optionally with label="value" matchers, and nothing else/;

const HOSTILE: Hostile[] = [
  // Open to all, and addresses that are not addresses (issue #13)
  { what: "Grafana open to 0.0.0.0/0", mutate: set("monitoring.grafana.sourceRanges", ["0.0.0.0/0"]), key: K("monitoring.grafana.sourceRanges.0"), allowed: /\/8 or narrower \(Grafana is never open to all/ },
  { what: "Grafana open to two /1 halves", mutate: set("monitoring.grafana.sourceRanges", ["0.0.0.0/1", "128.0.0.0/1"]), key: K("monitoring.grafana.sourceRanges.0"), allowed: /\/8 or narrower/ },
  { what: "a CIDR 999.1.1.1/24", mutate: set("monitoring.grafana.sourceRanges", ["999.1.1.1/24"]), key: K("monitoring.grafana.sourceRanges.0"), allowed: CIDR },
  { what: "an API-server CIDR 300.1.2.3/8", mutate: set("monitoringCluster.apiAllowedCidrs", ["300.1.2.3/8"]), key: K("monitoringCluster.apiAllowedCidrs.0"), allowed: CIDR },
  { what: "a prefix /33", mutate: set("monitoringCluster.apiAllowedCidrs", ["10.0.0.0/33"]), key: K("monitoringCluster.apiAllowedCidrs.0"), allowed: CIDR },
  { what: "a CIDR with host bits set", mutate: set("monitoringCluster.apiAllowedCidrs", ["10.1.2.3/8"]), key: K("monitoringCluster.apiAllowedCidrs.0"), allowed: /without host bits \(the network of 10\.1\.2\.3\/8 is 10\.0\.0\.0\/8; for one address use 10\.1\.2\.3\/32\)/ },
  { what: "an address with a leading zero", mutate: set("monitoringCluster.apiAllowedCidrs", ["010.0.0.0/8"]), key: K("monitoringCluster.apiAllowedCidrs.0"), allowed: CIDR },
  { what: "an IPv6 range where IPv4 is required", mutate: set("monitoring.grafana.sourceRanges", ["2001:db8::/32"]), key: K("monitoring.grafana.sourceRanges.0"), allowed: CIDR },
  { what: "an address without a prefix", mutate: set("monitoring.grafana.sourceRanges", ["203.0.113.7"]), key: K("monitoring.grafana.sourceRanges.0"), allowed: CIDR },
  { what: "a CIDR with a trailing newline", mutate: set("monitoringCluster.apiAllowedCidrs", ["203.0.113.0/24\n"]), key: K("monitoringCluster.apiAllowedCidrs.0"), allowed: PRINTABLE },
  { what: "51 Grafana source ranges", mutate: set("monitoring.grafana.sourceRanges", Array.from({ length: 51 }, (_, i) => `10.${i}.0.0/16`)), key: K("monitoring.grafana.sourceRanges"), allowed: /at most 50 entries/ },

  // Host names: unique, RFC 1123
  { what: "two models on one hostname", mutate: (c) => (model(c, 1).hostname = model(c, 0).hostname), key: K("gpuCluster.models.1.hostname"), allowed: /a host name not already used by models\[0\]/ },
  {
    what: "metricsHostname equal to a model's hostname",
    mutate: (c) => (c.gpuCluster.metricsHostname = model(c, 1).hostname),
    key: K("gpuCluster.models.1.hostname"),
    allowed: /not already used by gpuCluster\.metricsHostname/,
  },
  { what: "a model on the derived metrics host", mutate: (c) => (model(c, 1).hostname = "metrics.llm.example.com"), key: K("gpuCluster.models.1.hostname"), allowed: /not already used by the metrics endpoint/ },
  { what: "a DNS label over 63 characters", mutate: (c) => (model(c).hostname = `${"a".repeat(64)}.example.com`), key: K("gpuCluster.models.0.hostname"), allowed: HOST },
  { what: "a host name over 253 characters", mutate: (c) => (model(c).hostname = `${"abcdefghi.".repeat(26)}com`), key: K("gpuCluster.models.0.hostname"), allowed: HOST },
  { what: "an IP address as host name", mutate: (c) => (model(c).hostname = "10.0.0.1"), key: K("gpuCluster.models.0.hostname"), allowed: HOST },
  { what: "an underscore in a host name", mutate: (c) => (model(c).hostname = "my_llm.example.com"), key: K("gpuCluster.models.0.hostname"), allowed: HOST },
  { what: "a host name in upper case", mutate: (c) => (model(c).hostname = "LLM.example.com"), key: K("gpuCluster.models.0.hostname"), allowed: HOST },
  { what: "a single-label host name", mutate: (c) => (model(c).hostname = "localhost"), key: K("gpuCluster.models.0.hostname"), allowed: HOST },
  { what: "a wildcard host name", mutate: (c) => (model(c).hostname = "*.example.com"), key: K("gpuCluster.models.0.hostname"), allowed: HOST },
  { what: "an empty label in metricsHostname", mutate: set("gpuCluster.metricsHostname", "metrics..example.com"), key: K("gpuCluster.metricsHostname"), allowed: HOST },
  { what: "a bidirectional override in a host name", mutate: (c) => (model(c).hostname = "llm\u202e.example.com"), key: K("gpuCluster.models.0.hostname"), allowed: PRINTABLE },

  // Served model names and model ids
  { what: "two models with one servedModelName", mutate: (c) => (model(c, 1).servedModelName = model(c, 0).servedModelName), key: K("gpuCluster.models.1.servedModelName"), allowed: /not used by models\[0\].*scale on the other's queue/ },
  { what: "a 2 MB servedModelName", mutate: (c) => (model(c).servedModelName = "m".repeat(2 << 20)), key: K("gpuCluster.models.0.servedModelName"), allowed: /a string of at most 16384 characters/ },
  { what: "a 200-character servedModelName", mutate: (c) => (model(c).servedModelName = "m".repeat(200)), key: K("gpuCluster.models.0.servedModelName"), allowed: /at most 128 characters/ },
  { what: "servedModelName $(VLLM_API_KEY)", mutate: (c) => (model(c).servedModelName = "$(VLLM_API_KEY)"), key: K("gpuCluster.models.0.servedModelName"), allowed: /letters, digits and \. _ : \/ \+ -/ },
  { what: "a PromQL injection in servedModelName", mutate: (c) => (model(c).servedModelName = 'x"} or vector(1) #'), key: K("gpuCluster.models.0.servedModelName"), allowed: /letters, digits/ },
  { what: "AI Deploy servedModelName $(HF_TOKEN)", mutate: set("aiDeploy.servedModelName", "$(HF_TOKEN)"), key: K("aiDeploy.servedModelName"), allowed: /letters, digits/ },
  { what: "a model id with ..", mutate: (c) => (model(c).model = "Qwen/..secret"), key: K("gpuCluster.models.0.model"), allowed: /Hugging Face model id/ },
  { what: "a model id with two slashes", mutate: set("aiDeploy.model", "Qwen/Qwen3/8B"), key: K("aiDeploy.model"), allowed: /Hugging Face model id/ },
  { what: "a model id with --", mutate: set("aiDeploy.model", "Qwen--x/Qwen3-8B"), key: K("aiDeploy.model"), allowed: /Hugging Face model id/ },
  { what: "a model id ending .git", mutate: set("aiDeploy.model", "Qwen/Qwen3-8B.git"), key: K("aiDeploy.model"), allowed: /Hugging Face model id/ },
  { what: "a model name over 96 characters", mutate: set("aiDeploy.model", `Qwen/${"q".repeat(97)}`), key: K("aiDeploy.model"), allowed: /Hugging Face model id/ },
  { what: "a local path as model", mutate: set("aiDeploy.model", "/models/qwen"), key: K("aiDeploy.model"), allowed: /Hugging Face model id/ },

  // What a node can hold; GPUs only where there are GPUs
  { what: "tensorParallelSize 8 on a 1-GPU pool", mutate: (c) => (model(c).tensorParallelSize = 8), key: K("gpuCluster.models.0.tensorParallelSize"), allowed: /at most the GPUs per node of GPU pool gpu: 1 \(l40s-90\)/ },
  {
    what: "tensorParallelSize 4 on a 2-GPU pool",
    mutate: (c) => {
      gpuPool(c).flavor = "l40s-180";
      model(c).tensorParallelSize = 4;
    },
    key: K("gpuCluster.models.0.tensorParallelSize"),
    allowed: /GPU pool gpu: 2 \(l40s-180\)/,
  },
  {
    what: "tensorParallelSize 2 on a flavor of unknown GPU count",
    mutate: (c) => {
      gpuPool(c).flavor = "rtx5000-84";
      model(c).tensorParallelSize = 2;
    },
    key: K("gpuCluster.models.0.tensorParallelSize"),
    allowed: /1 \(rtx5000-84: GPUs per node not known to this program, so 1 is assumed\)/,
  },
  { what: "tensorParallelSize 9", mutate: (c) => (model(c).tensorParallelSize = 9), key: K("gpuCluster.models.0.tensorParallelSize"), allowed: /a whole number from 1 to 8/ },
  { what: "a CPU AI Deploy flavor with gpu: 1", mutate: (c) => Object.assign(c.aiDeploy, { flavor: "ai1-1-cpu", gpu: 1 }), key: K("aiDeploy.flavor"), allowed: /a GPU flavor such as l4-1-gpu \(a CPU flavor takes no gpu count/ },
  { what: "AI Deploy gpu: 0", mutate: set("aiDeploy.gpu", 0), key: K("aiDeploy.gpu"), allowed: /a whole number from 1 to 4/ },
  { what: "a GPU cluster without a GPU pool", mutate: (c) => (gpuPool(c).flavor = "b3-64"), key: K("gpuCluster.cluster.nodePools"), allowed: /at least one pool with a GPU flavor/ },
  { what: "a shell command in a flavor", mutate: (c) => (gpuPool(c).flavor = "l40s-90;reboot"), key: K("gpuCluster.cluster.nodePools.0.flavor"), allowed: /an OVH instance flavor/ },
  { what: "maxModelLen 2 million", mutate: (c) => (model(c).maxModelLen = 2_000_000), key: K("gpuCluster.models.0.maxModelLen"), allowed: /256 to 1048576/ },
  { what: "a billion nodes", mutate: (c) => (gpuPool(c).desiredNodes = 1e9), key: K("gpuCluster.cluster.nodePools.0.desiredNodes"), allowed: /0 to 100/ },
  { what: "61 models", mutate: (c) => (c.gpuCluster.models = Array.from({ length: 61 }, (_, i) => ({ ...model(c), name: `m${i}`, servedModelName: `m${i}`, hostname: `m${i}.llm.example.com` }))), key: K("gpuCluster.models"), allowed: /at most 60 entries/ },

  // Kubernetes label and taint syntax
  { what: "a label value with a space", mutate: (c) => (gpuPool(c).labels = { team: "ml ops" }), key: K("gpuCluster.cluster.nodePools.0.labels.team"), allowed: /a Kubernetes label value/ },
  { what: "a label value of 64 characters", mutate: (c) => (c.monitoringCluster.nodePools[0].labels = { team: "x".repeat(64) }), key: K("monitoringCluster.nodePools.0.labels.team"), allowed: /at most 63 characters/ },
  { what: "a label key with a space", mutate: (c) => (gpuPool(c).labels = { "my team": "ml" }), key: K('gpuCluster.cluster.nodePools.0.labels."my team"'), allowed: /a Kubernetes label key/ },
  { what: "a label key with an upper-case prefix", mutate: (c) => (gpuPool(c).labels = { "Example.com/team": "ml" }), key: K('gpuCluster.cluster.nodePools.0.labels."Example.com/team"'), allowed: /a Kubernetes label key/ },
  { what: "a label key with two slashes", mutate: (c) => (gpuPool(c).labels = { "a/b/c": "ml" }), key: K("gpuCluster.cluster.nodePools.0.labels.a/b/c"), allowed: /a Kubernetes label key/ },
  { what: "a label value ending in a dash", mutate: set("aiDeploy.labels", { team: "ml-" }), key: K("aiDeploy.labels.team"), allowed: /a Kubernetes label value/ },
  { what: "65 labels", mutate: set("aiDeploy.labels", Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, "x"]))), key: K("aiDeploy.labels"), allowed: /at most 64 labels/ },
  { what: "an invalid taint key", mutate: (c) => (gpuPool(c).taints = [{ key: "nvidia.com/gpu?", effect: "NoSchedule" }]), key: K("gpuCluster.cluster.nodePools.0.taints.0.key"), allowed: /a taint key/ },
  { what: "an empty taint key", mutate: (c) => (gpuPool(c).taints = [{ key: "", effect: "NoSchedule" }]), key: K("gpuCluster.cluster.nodePools.0.taints.0.key"), allowed: /a taint key/ },
  { what: "a taint value with spaces", mutate: (c) => (gpuPool(c).taints = [{ key: "gpu", value: "yes please", effect: "NoSchedule" }]), key: K("gpuCluster.cluster.nodePools.0.taints.0.value"), allowed: /a Kubernetes label value/ },
  { what: "an unknown taint effect", mutate: (c) => (gpuPool(c).taints = [{ key: "gpu", effect: "NoRun" }]), key: K("gpuCluster.cluster.nodePools.0.taints.0.effect"), allowed: /one of NoSchedule, PreferNoSchedule, NoExecute/ },
  {
    what: "a taint repeated with the same effect",
    mutate: (c) => (gpuPool(c).taints = [{ key: "gpu", value: "a", effect: "NoSchedule" }, { key: "gpu", value: "b", effect: "NoSchedule" }]),
    key: K("gpuCluster.cluster.nodePools.0.taints.1.key"),
    allowed: /unique by key and effect/,
  },
  { what: "a taint with an unknown field", mutate: (c) => (gpuPool(c).taints = [{ key: "gpu", effect: "NoSchedule", operator: "Exists" }]), key: K("gpuCluster.cluster.nodePools.0.taints.0.operator"), allowed: UNKNOWN },
  { what: "an OVH-reserved AI Deploy label", mutate: set("aiDeploy.labels", { "ovh/x": "y" }), key: K("aiDeploy.labels.ovh/x"), allowed: /without the ovh\/ prefix/ },

  // Names, storage, sizes, durations
  { what: "a storageClass with spaces and ;", mutate: set("monitoring.storageClass", "fast disk; rm -rf /"), key: K("monitoring.storageClass"), allowed: /DNS-1123 subdomain/ },
  { what: "an empty storageClass", mutate: set("monitoring.storageClass", ""), key: K("monitoring.storageClass"), allowed: /DNS-1123 subdomain/ },
  { what: "a 999999Ti volume", mutate: set("monitoring.prometheusStorage", "999999Ti"), key: K("monitoring.prometheusStorage"), allowed: /from 1Gi to 10Ti/ },
  { what: "a 0Gi model cache", mutate: (c) => (model(c).cacheSize = "0Gi"), key: K("gpuCluster.models.0.cacheSize"), allowed: /from 1Gi to 10Ti/ },
  { what: "a 500Mi volume (Cinder allocates whole GB from 1)", mutate: set("monitoring.grafanaStorage", "500Mi"), key: K("monitoring.grafanaStorage"), allowed: /from 1Gi/ },
  { what: "retentionSize larger than the volume", mutate: set("monitoring.retentionSize", "200GB"), key: K("monitoring.retentionSize"), allowed: /at most prometheusStorage \(50Gi/ },
  { what: "retentionSize 99999999999999999999GB", mutate: set("monitoring.retentionSize", "99999999999999999999GB"), key: K("monitoring.retentionSize"), allowed: /a Prometheus size/ },
  { what: "retention 99999999999999999999d", mutate: set("monitoring.retention", "99999999999999999999d"), key: K("monitoring.retention"), allowed: /from 2h to 10y/ },
  { what: "retention of 1h", mutate: set("monitoring.retention", "1h"), key: K("monitoring.retention"), allowed: /from 2h to 10y/ },
  { what: "retention of 11y", mutate: set("monitoring.retention", "11y"), key: K("monitoring.retention"), allowed: /from 2h to 10y/ },
  { what: "a scrape interval of 10m", mutate: set("monitoring.scrapeInterval", "10m"), key: K("monitoring.scrapeInterval"), allowed: /from 1s to 5m/ },
  { what: "a scrape interval of 0s", mutate: set("monitoring.scrapeInterval", "0s"), key: K("monitoring.scrapeInterval"), allowed: /Prometheus duration/ },
  { what: "an app name with NUL", mutate: set("aiDeploy.name", "vllm\u0000prod"), key: K("aiDeploy.name"), allowed: PRINTABLE },
  { what: "an app name of 41 characters", mutate: set("aiDeploy.name", "v".repeat(41)), key: K("aiDeploy.name"), allowed: /at most 40 characters/ },
  { what: "a pool name starting with a digit", mutate: (c) => (gpuPool(c).name = "1gpu"), key: K("gpuCluster.cluster.nodePools.0.name"), allowed: /starting with a letter/ },
  { what: "a private network id that is no UUID", mutate: set("monitoringCluster.privateNetworkId", "../../network"), key: K("monitoringCluster.privateNetworkId"), allowed: /OpenStack network id/ },
  { what: "a Slack channel of 81 characters", mutate: set("monitoring.alerting.slackChannel", `#${"c".repeat(81)}`), key: K("monitoring.alerting.slackChannel"), allowed: /at most 80 characters/ },
  { what: "a Slack channel with a newline", mutate: set("monitoring.alerting.slackChannel", "#alerts\n#other"), key: K("monitoring.alerting.slackChannel"), allowed: PRINTABLE },
  { what: "a smarthost port 99999", mutate: set("monitoring.alerting.email.smarthost", "smtp.example.com:99999"), key: K("monitoring.alerting.email.smarthost"), allowed: /host:port/ },
  { what: "a smarthost with a space", mutate: set("monitoring.alerting.email.smarthost", "smtp example.com:25"), key: K("monitoring.alerting.email.smarthost"), allowed: /host:port/ },
  { what: "an SMTP user with a colon", mutate: set("monitoring.alerting.email.username", "am:pw"), key: K("monitoring.alerting.email.username"), allowed: /without ':'/ },

  // Headers, URLs, paths (injection)
  { what: "a remoteWrite.tenant with CRLF", mutate: set("monitoring.remoteWrite.tenant", "llm\r\nX-Scope-OrgID: other"), key: K("monitoring.remoteWrite.tenant"), allowed: PRINTABLE },
  { what: "a tenant with a slash", mutate: set("monitoring.remoteWrite.tenant", "team/llm"), key: K("monitoring.remoteWrite.tenant"), allowed: /a Mimir tenant id/ },
  { what: "tenant ..", mutate: set("monitoring.remoteWrite.tenant", ".."), key: K("monitoring.remoteWrite.tenant"), allowed: /not \. or \.\./ },
  { what: "a tenant of 151 characters", mutate: set("monitoring.remoteWrite.tenant", "t".repeat(151)), key: K("monitoring.remoteWrite.tenant"), allowed: /at most 150 characters/ },
  { what: "tenant __mimir_cluster", mutate: set("monitoring.remoteWrite.tenant", "__mimir_cluster"), key: K("monitoring.remoteWrite.tenant"), allowed: /__mimir_cluster/ },
  { what: "a remote-write user with a colon", mutate: set("monitoring.remoteWrite.username", "prom:etheus"), key: K("monitoring.remoteWrite.username"), allowed: /without ':'/ },
  { what: "remote write over http", mutate: set("monitoring.remoteWrite.url", "http://mimir.example.com/api/v1/push"), key: K("monitoring.remoteWrite.url"), allowed: /an https URL \(not http/ },
  {
    what: "a password in the remote-write URL",
    mutate: set("monitoring.remoteWrite.url", `https://prometheus:${CANARY}pw@mimir.example.com/api/v1/push`),
    key: K("monitoring.remoteWrite.url"),
    allowed: /a URL with a password\): pulumi config set --secret remoteWritePassword/,
  },
  { what: "a remote-write URL that is no URL", mutate: set("monitoring.remoteWrite.url", "mimir push endpoint"), key: K("monitoring.remoteWrite.url"), allowed: /an https URL/ },
  { what: "a remote-write URL with a fragment", mutate: set("monitoring.remoteWrite.url", "https://mimir.example.com/push#x"), key: K("monitoring.remoteWrite.url"), allowed: /without #fragment/ },
  { what: "a probe path with a newline", mutate: set("aiDeploy.readinessProbe.path", "/health\nHost: evil"), key: K("aiDeploy.readinessProbe.path"), allowed: PRINTABLE },
  { what: "a probe path with ..", mutate: set("aiDeploy.readinessProbe.path", "/v1/../admin"), key: K("aiDeploy.readinessProbe.path"), allowed: /no \.\. segments/ },
  { what: "a probe path without /", mutate: set("aiDeploy.readinessProbe.path", "health"), key: K("aiDeploy.readinessProbe.path"), allowed: /starting with \// },
  { what: "a probe path to another host", mutate: set("aiDeploy.livenessProbe", { path: "//evil.example.com/health" }), key: K("aiDeploy.livenessProbe.path"), allowed: /an HTTP path/ },
  { what: "a probe path with a space", mutate: set("aiDeploy.readinessProbe.path", "/v1/my models"), key: K("aiDeploy.readinessProbe.path"), allowed: /percent-encoded/ },
  { what: "a probe port 70000", mutate: set("aiDeploy.readinessProbe.port", 70000), key: K("aiDeploy.readinessProbe.port"), allowed: /1 to 65535/ },
  { what: "acmeServer over http", mutate: set("gpuCluster.tls.acmeServer", "http://acme.example.com/directory"), key: K("gpuCluster.tls.acmeServer"), allowed: /an https URL/ },
  { what: "acmeServer over ftp", mutate: set("gpuCluster.tls.acmeServer", "ftp://acme.example.com/"), key: K("gpuCluster.tls.acmeServer"), allowed: /an https URL/ },
  { what: "an ACME e-mail that is none", mutate: set("gpuCluster.tls.acmeEmail", "ops at example"), key: K("gpuCluster.tls.acmeEmail"), allowed: /an e-mail address/ },
  { what: "a mount path /", mutate: (c) => (c.aiDeploy.volumes[0].mountPath = "/"), key: K("aiDeploy.volumes.0.mountPath"), allowed: /other than \// },
  { what: "a mount path with ..", mutate: (c) => (c.aiDeploy.volumes[0].mountPath = "/hub/../etc"), key: K("aiDeploy.volumes.0.mountPath"), allowed: /no \.\. segments/ },
  { what: "two volumes on one mount path", mutate: (c) => c.aiDeploy.volumes.push({ mountPath: "/hub", standaloneName: "other" }), key: K("aiDeploy.volumes.1.mountPath"), allowed: /not used by another volume/ },

  // Images
  { what: "image :LATEST", mutate: set("aiDeploy.image", "vllm/vllm-openai:LATEST"), key: K("aiDeploy.image"), allowed: /not :latest \(in any case\)/ },
  { what: "image :latest", mutate: (c) => (model(c).image = "vllm/vllm-openai:latest"), key: K("gpuCluster.models.0.image"), allowed: /not :latest/ },
  { what: "image without tag", mutate: (c) => (model(c).image = "vllm/vllm-openai"), key: K("gpuCluster.models.0.image"), allowed: IMAGE_PINNED },
  { what: "image name in upper case", mutate: set("aiDeploy.image", "vllm/VLLM-openai:v0.31.0"), key: K("aiDeploy.image"), allowed: IMAGE_PINNED },
  { what: "image with a shell command", mutate: set("aiDeploy.image", "vllm/vllm-openai:v1 ; curl evil.sh"), key: K("aiDeploy.image"), allowed: IMAGE_PINNED },
  { what: "image with a short digest", mutate: set("aiDeploy.image", "vllm/vllm-openai@sha256:abc123"), key: K("aiDeploy.image"), allowed: IMAGE_PINNED },
  { what: "image with an empty tag", mutate: set("aiDeploy.image", "vllm/vllm-openai:"), key: K("aiDeploy.image"), allowed: IMAGE_PINNED },
  { what: "image tag of 129 characters", mutate: set("aiDeploy.image", `vllm/vllm-openai:${"v".repeat(129)}`), key: K("aiDeploy.image"), allowed: IMAGE_PINNED },

  // The autoscaling metric is one selector, nothing else
  { what: "metric with PromQL or", mutate: set("aiDeploy.autoscaling.metric", "vllm:num_requests_running or vector(100)"), key: K("aiDeploy.autoscaling.metric"), allowed: SELECTOR },
  { what: "metric with or after matchers", mutate: set("aiDeploy.autoscaling.metric", 'vllm:num_requests_running{a="b"} or up{c="d"}'), key: K("aiDeploy.autoscaling.metric"), allowed: SELECTOR },
  { what: "metric with a regex matcher", mutate: set("aiDeploy.autoscaling.metric", 'vllm:num_requests_running{model_name=~".*"}'), key: K("aiDeploy.autoscaling.metric"), allowed: SELECTOR },
  { what: "metric in a function", mutate: set("aiDeploy.autoscaling.metric", "sum(vllm:num_requests_running)"), key: K("aiDeploy.autoscaling.metric"), allowed: SELECTOR },
  { what: "metric with a range", mutate: set("aiDeploy.autoscaling.metric", "vllm:num_requests_running[5m]"), key: K("aiDeploy.autoscaling.metric"), allowed: SELECTOR },
  { what: "metric with an offset", mutate: set("aiDeploy.autoscaling.metric", "vllm:num_requests_running offset 5m"), key: K("aiDeploy.autoscaling.metric"), allowed: SELECTOR },
  { what: "a metric that is not vLLM's", mutate: set("aiDeploy.autoscaling.metric", "up"), key: K("aiDeploy.autoscaling.metric"), allowed: SELECTOR },
  { what: "a vLLM metric not in the catalogue", mutate: set("aiDeploy.autoscaling.metric", "vllm:made_up_gauge"), key: K("aiDeploy.autoscaling.metric"), allowed: /gauge or counter of the metric catalogue/ },

  // Secrets hiding in clear
  { what: "HUGGINGFACEHUB_API_TOKEN in env", mutate: (c) => (c.aiDeploy.env.HUGGINGFACEHUB_API_TOKEN = HF), key: K("aiDeploy.env.HUGGINGFACEHUB_API_TOKEN"), allowed: /pulumi config set --secret hfToken/ },
  { what: "HF_TOKEN in env (short value)", mutate: (c) => (c.aiDeploy.env.HF_TOKEN = `${CANARY}x`), key: K("aiDeploy.env.HF_TOKEN"), allowed: /the Hugging Face token is the secret hfToken/ },
  { what: "OPENAI_API_KEY in env", mutate: (c) => (c.aiDeploy.env.OPENAI_API_KEY = `sk-proj-${CANARY}abcdefghijklmnopqrstuv`), key: K("aiDeploy.env.OPENAI_API_KEY"), allowed: CREDENTIAL },
  { what: "WANDB_API_KEY in env", mutate: (c) => (c.aiDeploy.env.WANDB_API_KEY = `${CANARY}0123456789`), key: K("aiDeploy.env.WANDB_API_KEY"), allowed: /no secret in plain env .*takes secrets only as its secret keys/ },
  { what: "a password in env", mutate: (c) => (c.aiDeploy.env.DB_PASSWORD = `${CANARY}hunter2`), key: K("aiDeploy.env.DB_PASSWORD"), allowed: /no secret in plain env/ },
  { what: "AWS_SECRET_ACCESS_KEY in env", mutate: (c) => (c.aiDeploy.env.AWS_SECRET_ACCESS_KEY = `${CANARY}wJalrXUtnFEMI`), key: K("aiDeploy.env.AWS_SECRET_ACCESS_KEY"), allowed: /no secret in plain env/ },
  { what: "VLLM_API_KEY in env", mutate: (c) => (c.aiDeploy.env.VLLM_API_KEY = `${CANARY}k`), key: K("aiDeploy.env.VLLM_API_KEY"), allowed: /sets vLLM's API key itself/ },
  { what: "a bearer token under a harmless name", mutate: (c) => (c.aiDeploy.env.EXTRA_HEADERS = `Authorization: Bearer ${CANARY}abcdefghijklmnop`), key: K("aiDeploy.env.EXTRA_HEADERS"), allowed: /a bearer token/ },
  { what: "a private key in env", mutate: (c) => (c.aiDeploy.env.TLS_KEY_PEM = `-----BEGIN RSA PRIVATE KEY-----${CANARY}`), key: K("aiDeploy.env.TLS_KEY_PEM"), allowed: /a private key/ },
  { what: "a JWT in env", mutate: (c) => (c.aiDeploy.env.SESSION = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0${CANARY}.SflKxwRJSMeKKF2QT4fwpM`), key: K("aiDeploy.env.SESSION"), allowed: /a JSON Web Token/ },
  { what: "--hf-token in vllmArgs", mutate: set("aiDeploy.vllmArgs", ["--hf-token", HF]), key: K("aiDeploy.vllmArgs.0"), allowed: /no secret on the command line \(--hf-token\).*--secret hfToken/ },
  { what: "the token after --hf-token", mutate: set("aiDeploy.vllmArgs", ["--hf-token", HF]), key: K("aiDeploy.vllmArgs.1"), allowed: /a Hugging Face token\): pulumi config set --secret hfToken/ },
  { what: "--hf_token=… in vllmArgs", mutate: set("aiDeploy.vllmArgs", [`--hf_token=${CANARY}x`]), key: K("aiDeploy.vllmArgs.0"), allowed: /--secret hfToken/ },
  { what: "--api_key=… in vllmArgs", mutate: set("aiDeploy.vllmArgs", [`--api_key=${CANARY}x`]), key: K("aiDeploy.vllmArgs.0"), allowed: /sets vLLM's API key itself/ },
  { what: "an abbreviated --api-key (argparse allow_abbrev)", mutate: set("aiDeploy.vllmArgs", ["--api-k", `${CANARY}x`]), key: K("aiDeploy.vllmArgs.0"), allowed: /or an abbreviation of one/ },
  { what: "an abbreviated --served-model-name", mutate: (c) => (model(c).extraArgs = ["--served-model", "other"]), key: K("gpuCluster.models.0.extraArgs.0"), allowed: /or an abbreviation of one/ },
  { what: "--hf-token in a GPU model's extraArgs", mutate: (c) => (model(c).extraArgs = ["--hf-token", `${CANARY}x`]), key: K("gpuCluster.models.0.extraArgs.0"), allowed: /--secret hfToken/ },
  { what: "a $(VAR) reference in AI Deploy args", mutate: set("aiDeploy.vllmArgs", ["--chat-template", "$(HF_TOKEN)"]), key: K("aiDeploy.vllmArgs.1"), allowed: /without \$\(/ },
  {
    what: "credentials in a URL argument",
    mutate: (c) => (model(c).extraArgs = ["--lora-modules", `ad=https://user:${CANARY}@hub.example.com/ad`]),
    key: K("gpuCluster.models.0.extraArgs.1"),
    allowed: /a URL with a password/,
  },
  { what: "a GitHub token in a label", mutate: set("aiDeploy.labels", { owner: `ghp_${CANARY}abcdefghijklmnopqrstuvwxyz0123` }), key: K("aiDeploy.labels.owner"), allowed: /a GitHub token/ },
  { what: "a misspelt secret key hfTokn", mutate: (c) => (c.hfTokn = `${CANARY}-not-recognisable`), key: K("hfTokn"), allowed: /no such key.*its value is not shown/ },
  { what: "a misspelt secret key holding a token", mutate: (c) => (c.hfTokn = HF), key: K("hfTokn"), allowed: /--secret hfToken/ },
  {
    what: "a Slack webhook under a made-up key",
    mutate: (c) => (c.monitoring.alerting.webhookUrl = `https://hooks.slack.com/services/T000/B000/${CANARY}XXXX`),
    key: K("monitoring.alerting.webhookUrl"),
    allowed: /--secret alertSlackWebhookUrl/,
  },
  { what: "an unknown key with a plain-looking secret", mutate: (c) => (c.monitoring.alerting.smtpPassword = `${CANARY}hunter2`), key: K("monitoring.alerting.smtpPassword"), allowed: /no such key.*not shown/ },

  // Keys named like Object.prototype members are keys like any other
  { what: "a top-level toString", mutate: (c) => (c.toString = 1 as never), key: K("toString"), allowed: UNKNOWN },
  { what: "a top-level constructor", mutate: (c) => (c.constructor = { x: 1 } as never), key: K("constructor"), allowed: UNKNOWN },
  { what: "a top-level hasOwnProperty", mutate: (c) => (c.hasOwnProperty = "x" as never), key: K("hasOwnProperty"), allowed: UNKNOWN },
  { what: "a nested valueOf", mutate: (c) => (c.monitoring.grafana.valueOf = 1), key: K("monitoring.grafana.valueOf"), allowed: UNKNOWN },
  {
    what: "an own __proto__ at the top",
    mutate: () => undefined,
    raw: () => ({ ...withOwnProto('{"__proto__": {"serviceName": "x"}}'), ...fullConfig() }),
    key: K("__proto__"),
    allowed: /a key other than __proto__/,
  },
  {
    what: "an own __proto__ in a part",
    mutate: (c) => (c.monitoring = { ...withOwnProto('{"__proto__": {"enabled": false}}'), ...c.monitoring }),
    key: K("monitoring.__proto__"),
    allowed: /a key other than __proto__/,
  },
  { what: "an own __proto__ in env", mutate: (c) => (c.aiDeploy.env = withOwnProto('{"HF_HOME": "/hub", "__proto__": {"HF_TOKEN": "x"}}')), key: K("aiDeploy.env.__proto__"), allowed: /a key other than __proto__/ },

  // Not plain data; too big to look at
  { what: "an infinite number (YAML .inf)", mutate: set("aiDeploy.autoscaling.targetValue", Infinity), key: K("aiDeploy.autoscaling.targetValue"), allowed: /a finite number/ },
  { what: "NaN (YAML .nan)", mutate: set("monitoring.alerting.thresholds", { ttftP95Seconds: NaN }), key: K("monitoring.alerting.thresholds.ttftP95Seconds"), allowed: /a finite number/ },
  { what: "a Date (YAML timestamp)", mutate: set("environment", new Date(0)), key: K("environment"), allowed: /plain data/ },
  { what: "a lone surrogate (broken UTF-16)", mutate: (c) => (c.aiDeploy.env.NOTE = "\ud800x"), key: K("aiDeploy.env.NOTE"), allowed: PRINTABLE },
  { what: "invalid UTF-8 (decoded as U+FFFD)", mutate: set("aiDeploy.servedModelName", "qwen\ufffd"), key: K("aiDeploy.servedModelName"), allowed: PRINTABLE },
  { what: "a key with a control character", mutate: (c) => (c.aiDeploy.labels = { "a\u001bb": "x" }), key: K('aiDeploy.labels."a\\u001bb"'), allowed: /a key of printable text/ },
  { what: "an alias bomb (387 million values)", mutate: set("aiDeploy.vllmArgs", laughs()), key: K("aiDeploy"), allowed: /at most 20000 values/ },
  { what: "nesting 100 levels deep", mutate: set("monitoring.grafana", nested(100)), key: K("monitoring"), allowed: /nested at most 16 deep/ },
  // Long inputs for every pattern-checked shape: each check is linear (no catastrophic backtracking)
  ...(
    [
      ["aiDeploy.image", (c: Record<string, any>, v: string) => (c.aiDeploy.image = v), IMAGE_PINNED],
      ["gpuCluster.models.0.hostname", (c: Record<string, any>, v: string) => (model(c).hostname = v), HOST],
      ["gpuCluster.tls.acmeEmail", (c: Record<string, any>, v: string) => (c.gpuCluster.tls.acmeEmail = `${v.slice(0, 8000)}@${v.slice(0, 8000)}`), /an e-mail address/],
      ["monitoring.remoteWrite.tenant", (c: Record<string, any>, v: string) => (c.monitoring.remoteWrite.tenant = v), /a Mimir tenant id/],
      ["aiDeploy.autoscaling.metric", (c: Record<string, any>, v: string) => (c.aiDeploy.autoscaling.metric = `vllm:${v}`), SELECTOR],
      ["gpuCluster.cluster.nodePools.0.flavor", (c: Record<string, any>, v: string) => (gpuPool(c).flavor = v), /an OVH instance flavor/],
      ["aiDeploy.model", (c: Record<string, any>, v: string) => (c.aiDeploy.model = `${v.slice(0, 8000)}/${v.slice(0, 8000)}`), /Hugging Face model id/],
      ["monitoring.grafana.sourceRanges.0", (c: Record<string, any>, v: string) => (c.monitoring.grafana.sourceRanges = [v]), CIDR],
    ] as const
  ).map(([path, put, allowed]) => ({
    what: `16000 characters in ${path}`,
    mutate: (c: Record<string, any>) => put(c, `${"a-a.".repeat(4000)}!`),
    key: K(path),
    allowed,
  })),
  { what: "201 vLLM arguments", mutate: set("aiDeploy.vllmArgs", Array(201).fill("--enforce-eager")), key: K("aiDeploy.vllmArgs"), allowed: /at most 200 entries/ },
  { what: "101 env variables", mutate: set("aiDeploy.env", Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`V${i}`, "1"]))), key: K("aiDeploy.env"), allowed: /at most 100 variables/ },
  { what: "an env value of 5000 characters", mutate: (c) => (c.aiDeploy.env.NOTE = "n".repeat(5000)), key: K("aiDeploy.env.NOTE"), allowed: /at most 4096 characters/ },
];

function refusal(c: Record<string, unknown>): { error: ConfigError; ms: number } {
  const start = performance.now();
  try {
    parseConfig(c);
  } catch (e) {
    const ms = performance.now() - start;
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e instanceof Error ? e.stack : String(e)}`);
    return { error: e, ms };
  }
  assert.fail("accepted");
}

/** What every refusal must look like; also used by the CLI test. */
export function assertRefusal(message: string, key: string, allowed: RegExp): void {
  const line = message.split("\n").find((l) => l.startsWith(`  - ${key} = `));
  assert.ok(line, `no problem line for ${key} in:\n${message.slice(0, 2000)}`);
  assert.match(line.slice(line.indexOf(": expected ") + 11), allowed);
  assert.ok(!message.includes(CANARY), `a secret value in the message:\n${message.slice(0, 2000)}`);
  assert.doesNotMatch(message, /\n\s+at /, "no stack trace");
  for (const l of message.split("\n")) assert.ok(l.length <= 600, `a line of ${l.length} characters`);
}

describe(`hostile config: ${HOSTILE.length} refused at preview`, () => {
  const times: number[] = [];
  after(() => {
    const sorted = [...times].sort((a, b) => a - b);
    // Reported for the numbers, not asserted beyond the 1 s contract (the machine is shared).
    console.log(`      ${times.length} cases: median ${sorted[sorted.length >> 1].toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms per parseConfig`);
  });

  it("the base config is valid (every case changes one thing)", () => {
    const config = parseConfig(fullConfig());
    assert.equal(config.gpuCluster?.models.length, 2);
  });

  it("has at least 100 cases, each with its own name", () => {
    assert.ok(HOSTILE.length >= 100, `${HOSTILE.length} cases`);
    assert.equal(new Set(HOSTILE.map((h) => h.what)).size, HOSTILE.length);
  });

  for (const h of HOSTILE) {
    it(`refuses ${h.what}: ${h.key}`, () => {
      const c = h.raw?.() ?? fullConfig();
      h.mutate(c);
      const { error, ms } = refusal(c);
      times.push(ms);
      assertRefusal(error.message, h.key, h.allowed);
      assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
    });
  }
});

describe("config keys named like Object.prototype members", () => {
  it("are kept as the keys they are where any key is allowed (labels, env)", () => {
    const c = fullConfig();
    c.aiDeploy.labels = { constructor: "a", toString: "b", hasOwnProperty: "c" };
    c.aiDeploy.env = { constructor: "1", valueOf: "2" };
    const config = parseConfig(c);
    assert.deepEqual(config.aiDeploy?.labels, { constructor: "a", toString: "b", hasOwnProperty: "c" });
    assert.deepEqual(config.aiDeploy?.env, { constructor: "1", valueOf: "2" });
  });
});

/** Configs that look close to hostile ones but are fine: the checks must not refuse them. */
const BENIGN: { what: string; mutate: (c: Record<string, any>) => unknown }[] = [
  { what: "vLLM flags with token/key in a longer word", mutate: set("aiDeploy.vllmArgs", ["--tokenizer-mode", "mistral", "--max-num-batched-tokens", "8192", "--ssl-keyfile", "/tls/key.pem", "--tokenizer", "Qwen/Qwen3-8B"]) },
  { what: "a JSON sub-key flag and a flag with =", mutate: set("aiDeploy.vllmArgs", ["--compilation-config.level=3", "--max-model-len=8192", "--port-offset-irrelevant"]) },
  { what: "env names with TOKEN inside a word, and switches", mutate: set("aiDeploy.env", { HF_HOME: "/hub", TOKENIZERS_PARALLELISM: "false", HF_HUB_DISABLE_IMPLICIT_TOKEN: "1", VLLM_NO_USAGE_STATS: "1" }) },
  // A Kubernetes label (node pool) takes up to 63 characters; AI Deploy labels keep to OVH's 15 (docs/ai-deploy.md).
  { what: "a label value that is a long hex digest", mutate: set("monitoringCluster.nodePools.0.labels", { commit: "0123456789abcdef0123456789abcdef01234567" }) },
  { what: "an AI Deploy label value of 15 characters", mutate: set("aiDeploy.labels", { commit: "0123456789abcde" }) },
  { what: "a host name with a punycode TLD and digits", mutate: (c) => (model(c).hostname = "llm-01.example.xn--p1ai") },
  { what: "an image from a registry with a port and a digest", mutate: set("aiDeploy.image", `registry.example.com:5000/ml/vllm-openai:v0.31.0@sha256:${"a".repeat(64)}`) },
  { what: "a metric selector with several matchers and spaces", mutate: set("aiDeploy.autoscaling.metric", 'vllm:num_requests_waiting{ model_name = "qwen3-8b", engine="0" }') },
  { what: "tensorParallelSize 4 on a 4-GPU flavor", mutate: (c) => Object.assign(gpuPool(c), { flavor: "h100-1520" }) && (model(c).tensorParallelSize = 4) },
  { what: "a /32 and a /8 for Grafana", mutate: set("monitoring.grafana.sourceRanges", ["198.51.100.7/32", "10.0.0.0/8"]) },
  { what: "an explicit metrics host next to the models", mutate: set("gpuCluster.metricsHostname", "prometheus.llm.example.com") },
  { what: "a Mimir tenant with all allowed specials", mutate: set("monitoring.remoteWrite.tenant", "team_a.llm-prod!*'()") },
  { what: "a taint key repeated with another effect", mutate: (c) => (gpuPool(c).taints = [{ key: "gpu", effect: "NoSchedule" }, { key: "gpu", effect: "NoExecute" }]) },
  { what: "a probe path with a percent-encoded query", mutate: set("aiDeploy.readinessProbe.path", "/v1/models?probe=%20ready") },
  { what: "a URL argument without credentials", mutate: (c) => (model(c).extraArgs = ["--lora-modules", "ad=https://hub.example.com/ad"]) },
];

describe("configs that look hostile but are fine", () => {
  for (const b of BENIGN) {
    it(`accepts ${b.what}`, () => {
      const c = fullConfig();
      b.mutate(c);
      parseConfig(c);
    });
  }
});
