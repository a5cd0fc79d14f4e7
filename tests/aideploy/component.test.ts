import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { AiDeployApp } from "../../components/aideploy/app";
import { APP_RESOURCE_TYPE, TOKEN_RESOURCE_TYPE } from "../../components/aideploy/providers";
import { APP_LABEL, ENVIRONMENT_LABEL, STACK_LABEL } from "../../components/aideploy/spec";
import { parseConfig } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { installMocks, isSecret, MockRecorder, plainStrings, settle, valueOf } from "../../scripts/plan/mockRecorder";

const HF = "hf_component_test_secret";

describe("AiDeployApp component (mocks)", () => {
  let mocks: MockRecorder;
  beforeEach(async () => {
    mocks = await installMocks();
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: registers app and token with their own types, the token selecting the app's label, never public; HF token only as a secret`, async () => {
      const config = parseConfig(readStackFile(stack).projectConfig);
      const ai = config.aiDeploy!;
      const component = new AiDeployApp("llm", { serviceName: config.serviceName, config: ai, environment: config.environment, hfToken: pulumi.secret(HF) });
      const [url, host, metricsUrl, state, modelName, token] = await Promise.all(
        [component.url, component.host, component.metricsUrl, component.state, component.modelName, component.token].map((o) => valueOf<string>(o)),
      );
      await settle();

      const [app] = mocks.ofType(APP_RESOURCE_TYPE);
      const [tok] = mocks.ofType(TOKEN_RESOURCE_TYPE);
      assert.ok(app && tok, "both dynamic resources registered under their own type names");
      assert.equal(mocks.ofType("pulumi-nodejs:dynamic:Resource").length, 0);
      assert.equal(app.inputs.serviceName, config.serviceName);
      assert.equal(app.inputs.body.unsecureHttp, false);
      assert.equal(app.inputs.body.name, ai.name);
      assert.equal(app.inputs.readyTimeoutMinutes, ai.readyTimeoutMinutes);
      assert.equal(tok.inputs.body.labelSelector, `${APP_LABEL}=${app.inputs.body.labels[APP_LABEL]}`);
      // Ownership: the resource's id is a RandomId kept in this stack's state; the stack and environment beside it.
      const [owner] = mocks.ofType("random:index/randomId:RandomId");
      assert.equal(owner.inputs.byteLength, 6);
      assert.match(app.inputs.body.labels[APP_LABEL], /^[0-9a-f]{12}$/);
      assert.deepEqual([app.inputs.body.labels[STACK_LABEL], app.inputs.body.labels[ENVIRONMENT_LABEL]], ["test", config.environment]);
      assert.ok(tok.inputs.body.name.endsWith(app.inputs.body.labels[APP_LABEL]));
      assert.equal(tok.inputs.body.role, "ai_training_read");
      assert.equal(tok.inputs.renewalCounter, ai.token.renewalCounter);
      assert.equal(typeof app.inputs.__provider, "string", "the provider was serialized");

      assert.equal(url, "https://llm-app-id.app.gra.ai.cloud.ovh.net");
      assert.equal(host, "llm-app-id.app.gra.ai.cloud.ovh.net");
      assert.equal(metricsUrl, `${url}/metrics`);
      assert.equal(state, "RUNNING");
      assert.equal(modelName, ai.servedModelName);
      assert.equal(token, "mock-ai-token-llm-token");
      assert.ok(await isSecret(component.token), "token output must be secret");

      // The HF token reaches the provider as a secret input, and nowhere in clear (body, serialized provider, token).
      assert.equal(app.inputs.hfToken, HF);
      for (const r of mocks.resources) {
        const leaks = plainStrings(r.rawInputs).filter((x) => x.value.includes(HF));
        assert.deepEqual(leaks, [], `${r.type} ${r.name} has the HF token in clear`);
      }
    });
  }

  it("without hfToken no HF_TOKEN is sent, and operator role maps to ai_training_operator", async () => {
    const config = parseConfig(readStackFile("dev").projectConfig);
    new AiDeployApp("llm", { serviceName: config.serviceName, config: { ...config.aiDeploy!, token: { role: "operator", renewalCounter: 3 } }, environment: "dev" });
    await settle();
    const [app] = mocks.ofType(APP_RESOURCE_TYPE);
    const [tok] = mocks.ofType(TOKEN_RESOURCE_TYPE);
    assert.equal(app.inputs.hfToken, undefined);
    assert.ok(!JSON.stringify(app.inputs.body.envVars).includes("HF_TOKEN"));
    assert.deepEqual([tok.inputs.body.role, tok.inputs.renewalCounter], ["ai_training_operator", 3]);
  });
});
