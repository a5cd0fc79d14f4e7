/**
 * The GPU cluster's model store: one OVH Object Storage bucket and two Public Cloud users with S3 keys, a writer for
 * the download Jobs and a reader for vLLM, each limited to the bucket by its S3 policy (@ovhcloud/pulumi-ovh 2.19.1
 * `cloudproject.Storage`, `User`, `S3Credential`, `S3Policy`; role `objectstore_operator` as in that package's
 * S3Policy and S3Credential examples).
 */
import * as ovh from "@ovhcloud/pulumi-ovh";
import * as pulumi from "@pulumi/pulumi";
import { bucketPolicy, objectStorageEndpoint, type WeightsStore } from "./weights";

export interface ModelStoreArgs {
  serviceName: string;
  bucket: string;
  /** Object Storage region, lower case (gra, eu-west-par...). */
  region: string;
  environment: string;
}

export interface S3Keys {
  accessKeyId: pulumi.Output<string>;
  /** Secret. */
  secretAccessKey: pulumi.Output<string>;
}

export class ModelStore extends pulumi.ComponentResource {
  public readonly store: WeightsStore;
  public readonly bucket: ovh.cloudproject.Storage;
  /** Read-only keys (vLLM pods). */
  public readonly reader: S3Keys;
  /** Read-write keys (download Jobs). */
  public readonly writer: S3Keys;
  /** The writer's policy: a Job may write only once it applies. */
  public readonly writePolicy: ovh.cloudproject.S3Policy;

  constructor(name: string, args: ModelStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ovhLlm:gpu:ModelStore", name, {}, opts);
    this.store = { bucket: args.bucket, region: args.region, endpoint: objectStorageEndpoint(args.region) };
    // The OVH API names regions in upper case (GRA, EU-WEST-PAR); objects are not listed into the state.
    this.bucket = new ovh.cloudproject.Storage(`${name}-bucket`, { serviceName: args.serviceName, regionName: args.region.toUpperCase(), name: args.bucket, hideObjects: true }, { parent: this });

    const user = (role: "reader" | "writer", access: "read" | "write") => {
      const u = new ovh.cloudproject.User(`${name}-${role}`, { serviceName: args.serviceName, description: `ovh-llm ${args.environment} model weights ${role}`, roleNames: ["objectstore_operator"] }, { parent: this });
      const keys = new ovh.cloudproject.S3Credential(`${name}-${role}-s3`, { serviceName: args.serviceName, userId: u.id }, { parent: this });
      const policy = new ovh.cloudproject.S3Policy(`${name}-${role}-policy`, { serviceName: args.serviceName, userId: u.id, policy: bucketPolicy(args.bucket, access) }, { parent: this });
      // The real provider marks secretAccessKey secret; mocks do not, so say it here.
      return { keys: { accessKeyId: pulumi.secret(keys.accessKeyId), secretAccessKey: pulumi.secret(keys.secretAccessKey) }, policy };
    };
    const reader = user("reader", "read");
    const writer = user("writer", "write");
    this.reader = reader.keys;
    this.writer = writer.keys;
    this.writePolicy = writer.policy;
    this.registerOutputs({ bucket: this.bucket.name });
  }
}
