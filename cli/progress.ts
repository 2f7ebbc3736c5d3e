/**
 * A spinner on stderr while something slow runs (verifying the audit log, paging through the
 * audit log or through work items), only when stderr is a terminal: piped or captured output
 * (scripts, CI, tests) gets nothing but the result. `work` may change the label as it goes
 * ("Reading the audit log: 300 rows").
 */
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const INTERVAL_MS = 80;

export type ProgressLabel = (label: string) => void;

export async function withProgress<T>(
  label: string,
  work: (setLabel: ProgressLabel) => Promise<T>,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<T> {
  if (!stream.isTTY) return work(() => {});
  let frame = 0;
  let current = label;
  // Clears the rest of the line too: a shorter label leaves nothing of a longer one.
  const draw = () => stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${current}\u001b[K`);
  draw();
  const timer = setInterval(draw, INTERVAL_MS);
  try {
    return await work((next) => {
      current = next;
      draw();
    });
  } finally {
    clearInterval(timer);
    // Back to the start of the line, and clear it: the result prints where the spinner was.
    stream.write("\r\u001b[K");
  }
}
