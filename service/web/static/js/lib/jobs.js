// Solve jobs: follow a queued or running job until it ends, with its progress shown where
// the user pressed the button, and a cancel that stops it on the server.

import { api, ApiError, t } from "./core.js";

const FINAL = new Set(["done", "failed", "cancelled", "interrupted"]);
const POLL_MS = 500;

/**
 * Follow job `id` until it ends. `onProgress({job, elapsed})` is called at every poll
 * (elapsed seconds since the job started, from the server's clock of its start).
 * Resolves with the job's result; rejects with ApiError when it failed or was cancelled.
 * `signal` (an AbortSignal) stops following (not the job).
 */
export async function follow(id, onProgress, signal) {
  for (;;) {
    if (signal && signal.aborted) throw new ApiError(0, { detail: t("job.cancelled") });
    const job = (await api("GET", `/jobs/${id}`)).data;
    const elapsed = job.started ? Math.max(0, (Date.now() - Date.parse(job.started)) / 1000) : 0;
    if (onProgress) onProgress({ job, elapsed });
    if (FINAL.has(job.status)) {
      if (job.status !== "done") {
        const detail = job.error && job.error.detail ? job.error.detail : t(`job.${job.status}`);
        throw new ApiError(409, { detail, job_status: job.status });
      }
      return (await api("GET", `/jobs/${id}/result`)).data;
    }
    await new Promise((ok) => setTimeout(ok, POLL_MS));
  }
}

/** Cancel a queued or running job. */
export async function cancel(id) {
  await api("DELETE", `/jobs/${id}`);
}
