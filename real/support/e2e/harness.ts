/**
 * One end-to-end test file's runs: every stack's programs start side by side, once per file, in beforeAll; each test
 * awaits its own stack's run (a stack whose programs failed to start fails its own tests, with the programs' logs);
 * afterAll stops every program and removes every temp root, whatever happened.
 */
import { Programs } from "./processes";
import { LaptopSite } from "./site";
import { E2eStack } from "./stacks";

/** The runs of one test file, one per stack. */
export class E2eFile<Run> {
  /** Every program the file starts. */
  readonly programs = new Programs();
  private readonly sites: LaptopSite[] = [];
  private readonly runs = new Map<string, Promise<Run>>();

  constructor(private readonly label: string) {}

  /** A fresh temp root and ports, removed in cleanup. */
  async site(): Promise<LaptopSite> {
    const site = await LaptopSite.create(this.label);
    this.sites.push(site);
    return site;
  }

  /** Starts every stack's run side by side and waits until each has started or failed. */
  async startAll(stacks: readonly E2eStack[], start: (stack: E2eStack) => Promise<Run>): Promise<void> {
    for (const stack of stacks) this.runs.set(stack.description, start(stack));
    await Promise.allSettled(this.runs.values());
  }

  /** A stack's run; rejects with the reason it did not start. */
  run(stack: E2eStack): Promise<Run> {
    return this.runs.get(stack.description) ?? Promise.reject(new Error(`${stack.description} was not started`));
  }

  /** Stops every program and removes every temp root. */
  async cleanup(): Promise<void> {
    try {
      await this.programs.stopAll();
    } finally {
      for (const site of this.sites) site.remove();
    }
  }
}
