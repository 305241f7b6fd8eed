// An agent's reason as people read it. The ACD sends a code from
// acd.not_ready_reasons ("meal"), a cause ("auto_pause", "login"), or a
// supervisor's forced change "forced:JOB[:REASON]" (docs/acd.md).
import { t, tv } from "../i18n";

/** `labels`: the configured reasons (GET /api/v1/agent) when known. */
export function reasonText(reason: string | null | undefined, labels: Record<string, string> = {}): string {
  if (!reason) return "";
  const one = (code: string) => labels[code] ?? tv("agentReason", code);
  if (reason.startsWith("forced:")) {
    const [, by = "", code = ""] = reason.split(":");
    return t("agentReason.forcedBy", { by, reason: code ? one(code) : "" }).trim();
  }
  return one(reason);
}
