/** Config fixtures of the config tests. */

/** A valid config that turns on every part, so each case changes one thing in a copy. */
export function fullConfig(): Record<string, any> {
  return {
    serviceName: "0123456789abcdef0123456789abcdef",
    environment: "prod",
    monitoringCluster: {
      region: "GRA11",
      version: "1.33",
      apiAllowedCidrs: ["203.0.113.0/24"],
      nodePools: [{ name: "monitoring", flavor: "b3-16", desiredNodes: 1, labels: { team: "ml" } }],
    },
    aiDeploy: {
      name: "vllm-prod",
      region: "GRA",
      image: "vllm/vllm-openai:v0.31.0",
      model: "Qwen/Qwen3-8B",
      servedModelName: "qwen3-8b",
      flavor: "l4-1-gpu",
      vllmArgs: ["--max-model-len", "8192"],
      env: { HF_HOME: "/hub" },
      volumes: [{ mountPath: "/hub", standaloneName: "hub" }],
      readinessProbe: { path: "/v1/models" },
      autoscaling: { minReplicas: 1, maxReplicas: 2, metric: 'vllm:num_requests_running{model_name="qwen3-8b"}' },
      labels: { team: "ml" },
    },
    monitoring: {
      retention: "30d",
      retentionSize: "45GB",
      prometheusStorage: "50Gi",
      grafana: { exposure: "LoadBalancer", sourceRanges: ["203.0.113.0/24"] },
      alerting: { webhook: true, slackChannel: "#llm-alerts", email: { to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", username: "alertmanager" } },
      remoteWrite: { enabled: true, url: "https://mimir.example.com/api/v1/push", tenant: "llm-prod", username: "prometheus" },
    },
    gpuCluster: {
      cluster: {
        region: "GRA11",
        version: "1.33",
        nodePools: [
          { name: "gpu", flavor: "l40s-90", desiredNodes: 2, labels: { "nvidia.com/gpu.present": "true" }, taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }] },
          { name: "system", flavor: "b3-16", desiredNodes: 1 },
        ],
      },
      models: [
        { name: "qwen", model: "Qwen/Qwen3-VL-8B-Instruct", revision: "0c351dd01ed87e9c1b53cbc748cba10e6187ff3b", servedModelName: "qwen3-vl-8b", image: "vllm/vllm-openai:v0.31.0", hostname: "qwen.llm.example.com", extraArgs: ["--enforce-eager"] },
        { name: "mistral", model: "mistralai/Ministral-8B-Instruct-2410", revision: "a".repeat(40), servedModelName: "ministral-8b", image: "vllm/vllm-openai:v0.31.0", hostname: "mistral.llm.example.com" },
      ],
      tls: { mode: "acme", acmeEmail: "ops@example.com" },
    },
  };
}

/** The classic billion laughs under one key: 9 levels of 9 aliases, a billion strings once expanded, 700 bytes on disk. */
export function billionLaughs(key = "ovh-llm:aiDeploy"): string {
  let doc = `config:\n  ovh:endpoint: ovh-eu\n  ${key}:\n    lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n`;
  for (let i = 1; i <= 9; i++) doc += `    lol${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(", ")}]\n`;
  return doc;
}
