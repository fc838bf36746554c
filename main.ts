import { App } from "cdktf";
import { ENVIRONMENTS } from "./environments";
import { LokiStack } from "./lib";

const app = new App();
for (const [stackName, props] of Object.entries(ENVIRONMENTS)) {
  new LokiStack(app, stackName, props);
}
app.synth();
