/**
 * The example stacks, rendered by the real chart of their version and verified by the real Loki of that version.
 */
import { ENVIRONMENTS } from "../environments";
import { programPath } from "./support/programs";
import { lokiConfigYaml, renderLoki } from "./support/render";
import { verifyLokiConfig } from "./support/loki";
import { realStack } from "./support/stacks";
import { versionPrograms } from "./support/versions";

describe.each(Object.entries(ENVIRONMENTS))("example stack %s", (id, props) => {
  const stack = realStack(id, props, id);
  const rendered = renderLoki(stack);

  test("given its values, when the real chart renders them, then the chart and its own validation accept them", () => {
    expect(rendered.stderr).toBe("");
    expect(rendered.status).toBe(0);
    expect(rendered.objects.length).toBeGreaterThan(0);
  });

  test("given the config the chart renders, when the Loki of the chart's version verifies it, then Loki accepts it", () => {
    const verdict = verifyLokiConfig(programPath(versionPrograms(stack.release.version).loki), lokiConfigYaml(rendered));
    expect(verdict.output).toMatch(/config is valid/);
    expect(verdict.accepted).toBe(true);
  });
});
