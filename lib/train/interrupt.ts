// Interrupting a training run without losing it. A SIGINT — Ctrl-C in a terminal, or Jupyter's "interrupt
// kernel" (the tslab kernel's interrupt_mode is "signal") — while `train` runs asks the loop to stop at
// the next step boundary: it saves a checkpoint there and throws TrainingInterruptedError, so running the
// cell or command again resumes from that step. Without this, an interrupted notebook cell only abandoned
// its promise: the loop went on training in the background and a re-run trained the same run twice.
// Where nothing else listens for SIGINT (a plain node process), a second Ctrl-C exits at once (code 130).
//
// SIGTERM (what `docker stop`, job schedulers and Jupyter's shutdown send) is handled the same way: the
// loop checkpoints at the next step boundary and throws the same TrainingInterruptedError. Since the
// sender wants the process gone, once no training loop runs any more and nothing else listens for
// SIGTERM, the signal is raised again (after the error has reached the caller's handlers) and ends the
// process as an unhandled SIGTERM would. A second SIGTERM before that exits at once (code 143).

let requested = false;
/** A SIGTERM arrived while loops were watching; re-raised when the last one stops. */
let terminate = false;
let watchers = 0;

function onSigint(): void {
  if (requested && process.listenerCount("SIGINT") === 1) process.exit(130);
  requested = true;
}

function onSigterm(): void {
  if (terminate && process.listenerCount("SIGTERM") === 1) process.exit(143);
  terminate = true;
  requested = true;
}

/** Listen for SIGINT and SIGTERM while a training loop runs (reference-counted); returns the release function. */
export function watchInterrupts(): () => void {
  if (watchers++ === 0) {
    requested = false;
    terminate = false;
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigterm);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--watchers > 0) return;
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigterm);
    if (terminate) {
      terminate = false;
      // Let the TrainingInterruptedError (or the result) reach the caller first: promise callbacks run
      // before setImmediate. Nothing else handles SIGTERM here, so the default action ends the process.
      if (process.listenerCount("SIGTERM") === 0)
        setImmediate(() => {
          if (process.listenerCount("SIGTERM") === 0) process.kill(process.pid, "SIGTERM");
        });
    }
  };
}

/** True once a SIGINT or SIGTERM arrived during training (until cleared). */
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
