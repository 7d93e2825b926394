// One shape for the renderer's refreshes (the project's images, the Train
// view's state, the live model's guesses): calls that overlap a run share it,
// and a call made during a run gets one more run after it. The run in
// progress is forgotten in the same step that decides there is no further
// run, so a call can never land between the two and be lost, as it could
// when the promise was cleared only once it had settled.
export function coalesced(run: () => Promise<void>): () => Promise<void> {
  let current: Promise<void> | null = null;
  let again = false;
  return () => {
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      try {
        do {
          again = false;
          await run();
        } while (again);
      } finally {
        current = null;
      }
    })();
    return current;
  };
}
