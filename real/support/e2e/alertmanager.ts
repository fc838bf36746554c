/** The real Alertmanager on a laptop: it captures what the ruler sends, and its API lists it. */
import { mkdirSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { Json } from "../../../__tests__/support/json";
import { programPath } from "../programs";
import { E2E_TIMEOUTS, httpGet, Program, Programs, waitFor } from "./processes";
import { LaptopSite, LOOPBACK } from "./site";

/** One route to one receiver without integrations: every alert is kept and listed, none is sent anywhere. */
const CAPTURE_CONFIG = { route: { receiver: "capture" }, receivers: [{ name: "capture" }] };

/** Starts Alertmanager (ALERTMANAGER_BIN) on the site's port, without clustering, and waits until it is ready. */
export async function startAlertmanager(programs: Programs, site: LaptopSite): Promise<Program> {
  const dir = `${site.root}/alertmanager`;
  mkdirSync(`${dir}/data`, { recursive: true });
  writeFileSync(`${dir}/alertmanager.yml`, stringify(CAPTURE_CONFIG));
  const args = [`--config.file=${dir}/alertmanager.yml`, `--storage.path=${dir}/data`, `--web.listen-address=${LOOPBACK}:${site.ports.alertmanager}`, "--cluster.listen-address="];
  const program = programs.start("alertmanager", programPath("alertmanager"), args, `${site.root}/alertmanager.log`, site.root);
  await waitFor(
    `alertmanager ready on ${LOOPBACK}:${site.ports.alertmanager}`,
    async () => ((await httpGet(`http://${LOOPBACK}:${site.ports.alertmanager}/-/ready`, {}, 5_000)).status === 200 ? true : undefined),
    { timeoutMs: E2E_TIMEOUTS.readyMs, programs: [program] },
  );
  return program;
}

/** The alerts Alertmanager holds (`/api/v2/alerts`). */
export async function alertsOf(site: LaptopSite): Promise<Json[]> {
  const response = await httpGet(`http://${LOOPBACK}:${site.ports.alertmanager}/api/v2/alerts`);
  if (response.status !== 200) throw new Error(`GET /api/v2/alerts: ${response.status} ${response.body}`);
  return JSON.parse(response.body) as Json[];
}
