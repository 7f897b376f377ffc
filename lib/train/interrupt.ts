// Interrupting a training run without losing it. A SIGINT — Ctrl-C in a terminal, or Jupyter's "interrupt
// kernel" (the tslab kernel's interrupt_mode is "signal") — while `train` runs asks the loop to stop at
// the next step boundary: it saves a checkpoint there and throws TrainingInterruptedError, so running the
// cell or command again resumes from that step. Without this, an interrupted notebook cell only abandoned
// its promise: the loop went on training in the background and a re-run trained the same run twice.
// Where nothing else listens for SIGINT (a plain node process), a second Ctrl-C exits at once (code 130).

let requested = false;
let watchers = 0;

function onSigint(): void {
  if (requested && process.listenerCount("SIGINT") === 1) process.exit(130);
  requested = true;
}

/** Listen for SIGINT while a training loop runs (reference-counted); returns the release function. */
export function watchInterrupts(): () => void {
  if (watchers++ === 0) {
    requested = false;
    process.on("SIGINT", onSigint);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--watchers === 0) process.off("SIGINT", onSigint);
  };
}

/** True once a SIGINT arrived during training (until cleared). */
export function interruptRequested(): boolean {
  return requested;
}

export function clearInterrupt(): void {
  requested = false;
}

/** Ask running training loops to stop as if SIGINT had arrived (tests, programmatic cancellation). */
export function requestInterrupt(): void {
  requested = true;
}

export class TrainingInterruptedError extends Error {
  constructor(
    message: string,
    readonly step: number,
    readonly total: number,
    readonly checkpointDir: string | null,
  ) {
    super(message);
    this.name = "TrainingInterruptedError";
  }
}
