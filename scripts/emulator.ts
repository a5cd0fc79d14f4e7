/**
 * Runs the observability lab locally: vLLM / DCGM / node emulators and a real Prometheus scraping them with our
 * scrape config and rule file. `npx tsx scripts/emulator.ts` (needs `npm run setup`), then open the printed URLs.
 * Ctrl-C stops everything and removes the temp dirs.
 */
import { kedaQueueDepthQuery, aiDeployValueLocation } from "../components/observability/queries";
import { LAB, startLab } from "../tests/fixtures/observabilityLab";

async function main(): Promise<void> {
  const lab = await startLab({ scrapeInterval: "2s" });
  const p = lab.prometheus.url;
  const graph = (expr: string) => `${p}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`;
  console.log(`Prometheus      ${p}   (config and rules in ${lab.prometheus.dir})
  targets       ${p}/targets
  rules         ${p}/rules
  alerts        ${p}/alerts   (VllmModelUnavailable goes pending for the wrong-token app)
  KEDA query    ${graph(kedaQueueDepthQuery({ modelName: LAB.gpuServedModel, namespace: LAB.gpuNamespace }))}
  AI Deploy     ${graph(aiDeployValueLocation({ servedModelName: LAB.aiDeployServedModel }))}
Emulated AI Deploy app  ${lab.emulators.aiDeploy.url}/metrics  (Authorization: Bearer ${lab.aiDeployToken})
Emulated GPU pods       ${lab.emulators.pods.map((e) => `${e.url}/metrics`).join("  ")}
DCGM / node exporter    ${lab.emulators.pods[0].url}/dcgm/metrics  ${lab.emulators.pods[0].url}/node/metrics
Grafana: add ${p} as a Prometheus datasource and import dashboards/*.json. Ctrl-C to stop.`);
  const stop = async () => {
    await lab.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
