/**
 * The Fluent Bit of each stack's version reads the config the stack generates (with the listed overlay: host paths and
 * ports) and reports it valid with `--dry-run`, as the DaemonSet runs it.
 */
import { dryRun, prepareFluentBit, PreparedFluentBit } from "./support/e2e/fluent-bit";
import { LaptopSite } from "./support/e2e/site";
import { E2E_STACKS, e2eStack } from "./support/e2e/stacks";

describe.each(E2E_STACKS)("Fluent Bit --dry-run: %s", (...entry) => {
  const stack = e2eStack(entry);
  let site: LaptopSite;
  let prepared: PreparedFluentBit;

  beforeAll(async () => {
    site = await LaptopSite.create("dry-run");
    prepared = prepareFluentBit(site, stack);
  });
  afterAll(() => site?.remove());

  test("given the generated config, when the Fluent Bit of the stack's version dry-runs it, then it reports the config valid and logs no error", () => {
    const { status, output } = dryRun(prepared);
    // Fluent Bit 4.0.1 logs an unreadable parsers_file as an error and still exits 0: the log is read too.
    expect(output).not.toMatch(/\[\s*error\]/);
    expect(output).toMatch(/configuration test is successful/);
    expect(status).toBe(0);
  });
});
