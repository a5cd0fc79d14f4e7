/**
 * Model weights once per cluster: a Job downloads each pinned model revision from Hugging Face once, into OVH Object
 * Storage (S3), and every vLLM replica streams the weights from there with the Run:ai model streamer. A scale-out
 * therefore adds no Hugging Face download, and a replica needs no volume of its own.
 *
 * Why this and not a shared volume: Cinder volumes are ReadWriteOnce; OVH File Storage (NFS, RWX,
 * `ovh.CloudStorageFileShare` in @ovhcloud/pulumi-ovh 2.19.1) is reachable over a private network only (OVHcloud
 * "File Storage Service - Key concepts": shares are linked to a private network / vRack), which these clusters do not
 * have, and mounting it needs an NFS provisioner in the cluster. The streamer needs neither: vLLM
 * `--load-format runai_streamer` with an `s3://` model path reads safetensors from any S3-compatible store (vLLM docs
 * "Loading models with Run:ai Model Streamer": AWS_ENDPOINT_URL, AWS_EC2_METADATA_DISABLED,
 * RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING=0 for a compatible store), and pulls the config
 * and tokenizer files (`*.json`, `*.py`, `*.model`, everything but weights) from the same prefix into a local cache
 * (vllm/config/model.py `maybe_pull_model_tokenizer_for_runai`, vllm/transformers_utils/runai_utils.py). The
 * vllm/vllm-openai image installs `runai-model-streamer[s3,gcs]` in its `vllm-openai-base` stage (docker/Dockerfile);
 * its S3 package imports boto3, which the scripts below use. Checked at vLLM's Dockerfile of the CUDA 12.9 line and a
 * CUDA 13 build log; not at the v0.31.0 tag itself (not readable here): a vLLM pod fails at start, loudly, if the
 * streamer is missing.
 *
 * Pure builders; `ModelStore` (modelStore.ts) creates the bucket and its credentials, `GpuInferenceCluster` the rest.
 */
import type { GpuModelConfig } from "../../config/schema";
import type { K8sObject } from "./k8s";

export interface WeightsStore {
  bucket: string;
  /** Object Storage region as in the S3 endpoint and in SigV4 signatures (lower case): gra, sbg, de, eu-west-par... */
  region: string;
  /** `https://s3.<region>.io.cloud.ovh.net` */
  endpoint: string;
}

/** Kubernetes Secrets (in the inference namespace) with the S3 keys of the two Object Storage users. */
export const WEIGHTS_SECRETS = {
  /** Read-only on the bucket: every vLLM pod. */
  reader: "weights-reader",
  /** Read-write on the bucket: the download Jobs only. */
  writer: "weights-writer",
} as const;
/** Keys of those Secrets: the AWS SDK's own environment variable names (the pods load them with `envFrom`). */
export const S3_KEYS = { accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY" } as const;

/** Written last by the download Job: the revision is complete. Replicas start only once it exists. */
export const COMPLETE_MARKER = "ovh-llm-weights-complete";

/** The Object Storage region of an MKS region: GRA11 → gra, BHS5 → bhs, EU-WEST-PAR → eu-west-par. */
export function objectStorageRegion(mksRegion: string): string {
  return mksRegion.replace(/\d+$/, "").toLowerCase();
}

/** OVH Object Storage S3 endpoint of a region (`https://s3.<region>.io.cloud.ovh.net/`, OVHcloud Object Storage docs). */
export function objectStorageEndpoint(region: string): string {
  return `https://s3.${region}.io.cloud.ovh.net`;
}

/** Default bucket: per environment and Public Cloud project (S3 bucket names: 3–63 lower-case characters). */
export function defaultWeightsBucket(environment: string, serviceName: string): string {
  return `ovh-llm-${environment.slice(0, 30)}-weights-${serviceName.slice(0, 8)}`;
}

/** Object prefix of one model revision: `models/<org>/<name>/<commit>`. */
export function weightsPrefix(model: Pick<GpuModelConfig, "model" | "revision">): string {
  return `models/${model.model}/${model.revision}`;
}

/** What vLLM is given instead of the Hugging Face id. */
export function weightsUri(model: Pick<GpuModelConfig, "model" | "revision">, store: WeightsStore): string {
  return `s3://${store.bucket}/${weightsPrefix(model)}`;
}

/** One Job per model revision: a new revision is a new Job, the same revision never downloads twice. */
export function weightsJobName(model: Pick<GpuModelConfig, "name" | "revision">): string {
  return `weights-${model.name}-${model.revision.slice(0, 12)}`;
}

/** S3 client settings shared by the Job, the gate and vLLM (the streamer reads the same variables). */
function s3Env(store: WeightsStore): Record<string, unknown>[] {
  return [
    { name: "AWS_ENDPOINT_URL", value: store.endpoint },
    { name: "AWS_DEFAULT_REGION", value: store.region },
    { name: "AWS_REGION", value: store.region },
    // Not on AWS: no instance metadata to ask for credentials; path-style URLs for an S3-compatible store.
    { name: "AWS_EC2_METADATA_DISABLED", value: "true" },
    { name: "RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING", value: "0" },
    { name: "WEIGHTS_BUCKET", value: store.bucket },
  ];
}

const fromSecret = (secret: string) => [{ secretRef: { name: secret } }];

/** Environment of the vLLM container: the read-only S3 keys, and Hugging Face switched off entirely. */
export function vllmWeightsEnv(store: WeightsStore): { env: Record<string, unknown>[]; envFrom: Record<string, unknown>[] } {
  return {
    env: [
      ...s3Env(store),
      // No request to the Hugging Face Hub at all (huggingface_hub HF_HUB_OFFLINE): everything comes from the bucket.
      { name: "HF_HUB_OFFLINE", value: "1" },
    ],
    envFrom: fromSecret(WEIGHTS_SECRETS.reader),
  };
}

/** The gate: waits (bounded) for the revision's completion marker; replicas never start on a half-written prefix. */
const GATE_SCRIPT = `
import os, sys, time
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], config=Config(s3={"addressing_style": "path"}))
bucket, key = os.environ["WEIGHTS_BUCKET"], os.environ["WEIGHTS_PREFIX"] + "/${COMPLETE_MARKER}"
deadline = time.time() + int(os.environ["WAIT_SECONDS"])
while True:
    try:
        s3.head_object(Bucket=bucket, Key=key)
        print("weights ready:", key)
        sys.exit(0)
    except ClientError as e:
        print("waiting for", key, e.response.get("Error", {}).get("Code"), flush=True)
    if time.time() > deadline:
        sys.exit("no weights at s3://%s/%s: has the download Job completed?" % (bucket, key))
    time.sleep(10)
`.trim();

/** Seconds the gate waits for the marker (a revision whose Job is still running) before the pod restarts. */
export const GATE_WAIT_SECONDS = 30 * 60;

export function weightsGateContainer(model: Pick<GpuModelConfig, "model" | "revision" | "image">, store: WeightsStore, securityContext: Record<string, unknown>): Record<string, unknown> {
  return {
    name: "weights-ready",
    image: model.image,
    command: ["python3", "-c", GATE_SCRIPT],
    env: [...s3Env(store), { name: "WEIGHTS_PREFIX", value: weightsPrefix(model) }, { name: "WAIT_SECONDS", value: String(GATE_WAIT_SECONDS) }],
    envFrom: fromSecret(WEIGHTS_SECRETS.reader),
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    securityContext,
  };
}

/**
 * The download, file by file (scratch space holds one file at a time): skip everything if the revision's marker is
 * there, check the revision is the commit it claims, upload each file not already uploaded with its size, then the
 * marker. huggingface_hub: `HfApi.model_info(repo_id, revision=, files_metadata=True)` (siblings with `rfilename`,
 * `size`; `sha` = the resolved commit), `hf_hub_download(repo_id, filename, revision=, local_dir=)`; the token comes
 * from HF_TOKEN. boto3: `head_object`, `upload_file` (multipart for big files), `put_object`.
 */
const DOWNLOAD_SCRIPT = `
import json, os, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from huggingface_hub import HfApi, hf_hub_download
repo, revision = os.environ["MODEL"], os.environ["REVISION"]
bucket, prefix, scratch = os.environ["WEIGHTS_BUCKET"], os.environ["WEIGHTS_PREFIX"], os.environ["SCRATCH"]
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], config=Config(s3={"addressing_style": "path"}))
def size_of(key):
    try:
        return s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
marker = prefix + "/${COMPLETE_MARKER}"
if size_of(marker) is not None:
    print("already in object storage:", prefix)
    sys.exit(0)
info = HfApi().model_info(repo, revision=revision, files_metadata=True)
if info.sha != revision:
    sys.exit("revision %s of %s resolves to %s: pin a full commit hash" % (revision, repo, info.sha))
files = {s.rfilename: s.size for s in info.siblings}
for name, size in sorted(files.items()):
    key = prefix + "/" + name
    if size is not None and size_of(key) == size:
        continue
    path = hf_hub_download(repo, name, revision=revision, local_dir=scratch)
    s3.upload_file(path, bucket, key)
    os.remove(path)
    print("uploaded", key, size, flush=True)
s3.put_object(Bucket=bucket, Key=marker, Body=json.dumps({"model": repo, "revision": revision, "files": files}).encode())
print("complete:", prefix, sum(v or 0 for v in files.values()), "bytes")
`.trim();

export interface WeightsJobContext {
  namespace: string;
  store: WeightsStore;
  /** An HF token Secret exists (gated models): the Job, and only the Job, reads it. */
  hfToken: { name: string; key: string } | undefined;
  /** Pool the Job runs on (a CPU pool: the download needs no GPU and starts while the GPU pool is still coming). */
  poolName?: string;
  /** Labels every object of the model carries. */
  labels: Record<string, string>;
}

/** The Job that puts one model revision into the bucket. */
export function weightsJob(model: Pick<GpuModelConfig, "name" | "model" | "revision" | "image" | "cacheSize">, ctx: WeightsJobContext): K8sObject {
  const securityContext = { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: weightsJobName(model), namespace: ctx.namespace, labels: { ...ctx.labels, "app.kubernetes.io/component": "model-weights", "ovh-llm/revision": model.revision } },
    spec: {
      backoffLimit: 4,
      activeDeadlineSeconds: 4 * 3600,
      template: {
        // Not the vLLM pod labels: the model's Service must never route to this pod.
        metadata: { labels: { "app.kubernetes.io/name": "model-weights", "app.kubernetes.io/instance": model.name } },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          ...(ctx.poolName ? { nodeSelector: { "ovh-llm/pool": ctx.poolName } } : {}),
          containers: [
            {
              name: "download",
              // The model's own vLLM image: it has huggingface_hub and boto3 (see the module comment).
              image: model.image,
              command: ["python3", "-c", DOWNLOAD_SCRIPT],
              env: [
                ...s3Env(ctx.store),
                { name: "MODEL", value: model.model },
                { name: "REVISION", value: model.revision },
                { name: "WEIGHTS_PREFIX", value: weightsPrefix(model) },
                { name: "SCRATCH", value: "/scratch" },
                { name: "HF_HOME", value: "/scratch/.hf" },
                { name: "HF_HUB_DISABLE_TELEMETRY", value: "1" },
                ...(ctx.hfToken ? [{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: ctx.hfToken.name, key: ctx.hfToken.key } } }] : []),
              ],
              envFrom: fromSecret(WEIGHTS_SECRETS.writer),
              resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
              securityContext,
              volumeMounts: [{ name: "scratch", mountPath: "/scratch" }],
            },
          ],
          volumes: [{ name: "scratch", emptyDir: { sizeLimit: model.cacheSize } }],
        },
      },
    },
  };
}

/** S3 policy documents (IAM JSON, as @ovhcloud/pulumi-ovh 2.19.1 `S3Policy` documents): the bucket and nothing else. */
export function bucketPolicy(bucket: string, access: "read" | "write"): string {
  const read = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"];
  const write = ["s3:PutObject", "s3:ListMultipartUploadParts", "s3:ListBucketMultipartUploads", "s3:AbortMultipartUpload"];
  return JSON.stringify({
    Statement: [{ Sid: access === "read" ? "ReadModelWeights" : "WriteModelWeights", Effect: "Allow", Action: access === "read" ? read : [...read, ...write], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }],
  });
}
