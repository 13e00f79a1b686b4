/** What every example exports, and what the runner (run.ts) prints. */

export interface ExampleOptions {
  seed: number;
  /** Scratch folder for databases; the runner removes it afterwards. */
  workDir: string;
  /** More environment for the servers (tests point the provider variables at a fake provider). */
  env?: Record<string, string>;
  /** Progress for the user, one line at a time (the runner sends it to stderr). */
  progress: (line: string) => void;
}

export interface ExampleReport {
  /** What is simulated, said in the output and the README. */
  simulated: string;
  /** The result table. */
  table: string;
  /** Lines printed after the table: the outcome in words. */
  notes: string[];
  /** Who answered the LLM steps (the stand-in, a provider through the router, memory). */
  llm: string[];
  /** The picture. */
  svg: string;
  /** The outcome as data (written with --result, read by the tests). */
  result: unknown;
}

export interface Example {
  name: string;
  title: string;
  run(opts: ExampleOptions): Promise<ExampleReport>;
}
