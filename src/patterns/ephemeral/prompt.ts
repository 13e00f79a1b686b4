/** What one ephemeral agent sends to the model: its role and part of the task, and what memory holds. */
const MEMORY_CHARS = 2_000;

export interface AgentBrief {
  role: string;
  task: string;
  /** This agent's input; undefined for `count` runs, where every agent gets the same task. */
  input?: string;
  index: number;
  total: number;
  memories: readonly string[];
}

export function agentSystem(b: Pick<AgentBrief, 'role' | 'total'>): string {
  return (
    `You are a short-lived "${b.role}" agent, one of ${b.total} working on parts of the same task. ` +
    'Do your part and reply with your result only: it is saved to a shared memory that later agents read.'
  );
}

export function agentPrompt(b: AgentBrief): string {
  const part =
    b.input !== undefined
      ? `Your input (${b.index + 1} of ${b.total}):\n${b.input}`
      : `You are agent ${b.index + 1} of ${b.total}.`;
  const memory = b.memories.length
    ? `What earlier agents learned (shared memory, most relevant first):\n${b.memories.map((m) => `- ${m.length > MEMORY_CHARS ? `${m.slice(0, MEMORY_CHARS - 1)}…` : m}`).join('\n')}`
    : 'The shared memory holds nothing relevant yet.';
  return `Task: ${b.task}\n\n${part}\n\n${memory}`;
}

/** The query an agent's memory is searched with: its task and its own input. */
export function recallQuery(b: Pick<AgentBrief, 'task' | 'input'>): string {
  return b.input !== undefined ? `${b.task}\n${b.input}` : b.task;
}

/** The memory an agent leaves: its result, labelled with what it was the result of. */
export function memoryContent(b: Pick<AgentBrief, 'task' | 'input'>, result: string, max: number): string {
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const head = `Result of "${clip(b.task, 200)}"${b.input !== undefined ? ` for input "${clip(b.input, 200)}"` : ''}: `;
  return clip(head + result, max);
}

/** Rough token count (≈ 4 characters per token) for capping a call by budget before it is made. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
