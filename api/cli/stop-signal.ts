/**
 * Resolves on the first SIGINT or SIGTERM. Call it before starting anything long-running: a signal
 * that arrives while the command is still starting then stops it cleanly once started, instead of
 * killing the process with the default action.
 */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
}
