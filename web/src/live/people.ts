// Job number → display name, for the supervisor's grid (GET /api/v1/users,
// users.read: supervisors and admins). Loaded once; unknown numbers show as is.
import { ref } from "vue";
import { api } from "../api/client";
import type { Items, User } from "../api/types";

export const names = ref<Record<string, string>>({});
let loading: Promise<void> | null = null;

export function loadNames(): Promise<void> {
  if (!loading) {
    loading = api
      .get<Items<User>>("/api/v1/users")
      .then((r) => {
        const m: Record<string, string> = {};
        for (const u of r.items) m[u.job_number] = u.display_name;
        names.value = m;
      })
      .catch(() => {
        loading = null;
      });
  }
  return loading;
}
