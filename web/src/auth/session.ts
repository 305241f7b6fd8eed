// The logged-in user, shared by every page. The token itself stays in the
// HttpOnly cookie; this keeps the user object from login or GET /auth/me.
import { computed, ref } from "vue";
import { api, ApiError } from "../api/client";
import type { User } from "../api/types";
import { rolesHave, isScopedToUnit, type Permission } from "./permissions";
import { hub } from "../ws/client";
import { forgetSession } from "../ws/attach";

export const currentUser = ref<User | null>(null);
let checked = false;

export const roles = computed(() => currentUser.value?.roles ?? []);

export function can(permission: Permission): boolean {
  return rolesHave(roles.value, permission);
}

export function scopedToUnit(): boolean {
  return isScopedToUnit(roles.value);
}

/** Restores the session after a reload: GET /auth/me (401 → not logged in). */
export async function ensureSession(): Promise<User | null> {
  if (checked) return currentUser.value;
  try {
    currentUser.value = await api.get<User>("/api/v1/auth/me");
    hub.connect();
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 0)) throw e;
    currentUser.value = null;
  }
  checked = true;
  return currentUser.value;
}

export async function login(jobNumber: string, password: string): Promise<User> {
  const r = await api.post<{ token: string; user: User }>("/api/v1/auth/login", {
    job_number: jobNumber,
    password,
  });
  currentUser.value = r.user;
  checked = true;
  hub.connect();
  return r.user;
}

export async function logout(): Promise<void> {
  try {
    await api.post("/api/v1/auth/logout");
  } catch {
    /* the session may already be gone */
  }
  forget();
}

/** Drops the local session (after logout or a 401). */
export function forget() {
  currentUser.value = null;
  checked = true;
  hub.disconnect();
  forgetSession();
}
