/**
 * Values of the mimir-distributed 5.6.0 chart (components/charts.ts) for the platform: blocks, ruler and
 * alertmanager storage on OVH Object Storage (S3 API), one tenant per environment with its retention as a runtime
 * override, small sizing, zone awareness off. Pure; every path checked against the chart's values.yaml
 * (tests/fixtures/chart-values/mimir-distributed-5.6.0.yaml) by tests/platform/mimir.test.ts.
 *
 * The S3 keys never appear here: the chart's `global.extraEnvFrom` injects a Kubernetes Secret into every Mimir pod
 * and the config names the variables, which Mimir expands because the chart runs it with `-config.expand-env=true`
 * (tests/fixtures/charts/INDEX.md "Mimir"; checked in the rendered pods by the test).
 */

/** Environment variables of the S3 credential Secret (its keys). */
export const MIMIR_S3_ENV = { accessKeyId: "MIMIR_S3_ACCESS_KEY_ID", secretAccessKey: "MIMIR_S3_SECRET_ACCESS_KEY" } as const;

export interface MimirBuckets {
  blocks: string;
  ruler: string;
  alertmanager: string;
}

export interface MimirValuesOptions {
  /** OVH S3 endpoint host and region, e.g. `s3.gra.io.cloud.ovh.net`, `gra` (from config: per region). */
  s3: { endpoint: string; region: string };
  buckets: MimirBuckets;
  /** Kubernetes Secret (in Mimir's namespace) with the keys `MIMIR_S3_ENV`. */
  credentialsSecret: string;
  /** Blocks retention per tenant (Mimir limit `compactor_blocks_retention_period`), e.g. `{ dev: "30d", prod: "400d" }`. */
  retention: Record<string, string>;
  /** Replicas of the write and read paths (ingester and store-gateway at least 1; 3 for replication factor 3). */
  replicas: { ingester: number; distributor: number; querier: number; storeGateway: number };
  /** true only on a multi-zone cluster. */
  zoneAware: boolean;
}

export function mimirValues(o: MimirValuesOptions): Record<string, any> {
  const zone = { zoneAwareReplication: { enabled: o.zoneAware } };
  return {
    global: { extraEnvFrom: [{ secretRef: { name: o.credentialsSecret } }] },
    mimir: {
      structuredConfig: {
        // Tenants come from X-Scope-OrgID (the platform's remote writes, components/platform/tenants.ts).
        multitenancy_enabled: true,
        common: {
          storage: {
            backend: "s3",
            s3: {
              endpoint: o.s3.endpoint,
              region: o.s3.region,
              access_key_id: `\${${MIMIR_S3_ENV.accessKeyId}}`,
              secret_access_key: `\${${MIMIR_S3_ENV.secretAccessKey}}`,
            },
          },
        },
        blocks_storage: { s3: { bucket_name: o.buckets.blocks } },
        ruler_storage: { s3: { bucket_name: o.buckets.ruler } },
        alertmanager_storage: { s3: { bucket_name: o.buckets.alertmanager } },
        // Ingesters replicate each series to this many (at most the replicas there are).
        ingester: { ring: { replication_factor: Math.min(3, o.replicas.ingester) } },
      },
    },
    runtimeConfig: { overrides: Object.fromEntries(Object.entries(o.retention).map(([tenant, period]) => [tenant, { compactor_blocks_retention_period: period }])) },
    // Object storage is OVH's: no bundled MinIO; no rollout-operator / agent operator on a small cluster.
    minio: { enabled: false },
    rollout_operator: { enabled: false },
    metaMonitoring: { grafanaAgent: { installOperator: false } },
    ingester: { replicas: o.replicas.ingester, ...zone },
    store_gateway: { replicas: o.replicas.storeGateway, ...zone },
    alertmanager: { ...zone },
    distributor: { replicas: o.replicas.distributor },
    querier: { replicas: o.replicas.querier },
  };
}
