// Client-side routes. hotlined serves index.html for any path outside the
// API with no file extension (src/api/static_files.cpp), so these are plain
// history-mode paths; none starts with /api, /ws, /healthz, /metrics or /open311.
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import type { Permission } from "./auth/permissions";
import type { MessageKey } from "./i18n";
import type { Role } from "./api/types";
import { ensureSession, can, roles } from "./auth/session";

declare module "vue-router" {
  interface RouteMeta {
    /** No login needed (citizen pages, the login page). */
    public?: boolean;
    /** Permission needed to open the page (the nav hides it otherwise). */
    perm?: Permission;
    /** Role needed (the department portal). */
    role?: string;
    /** One of these roles is needed (the test phone: admin). */
    roles?: Role[];
    /** Full-width page (the console, the wallboard). */
    wide?: boolean;
    title?: MessageKey;
  }
}

const routes: RouteRecordRaw[] = [
  { path: "/login", name: "login", component: () => import("./pages/LoginPage.vue"), meta: { public: true, title: "nav.login" } },
  { path: "/", name: "home", component: () => import("./pages/HomePage.vue"), meta: { title: "nav.home" } },
  { path: "/entry", name: "entry", component: () => import("./pages/EntryDesk.vue"), meta: { perm: "tickets.create", title: "nav.entry" } },
  { path: "/tickets", name: "tickets", component: () => import("./pages/TicketList.vue"), meta: { perm: "tickets.read", title: "nav.tickets" } },
  { path: "/tickets/:id(\\d+)", name: "ticket", component: () => import("./pages/TicketDetail.vue"), meta: { perm: "tickets.read", title: "nav.ticket" } },
  { path: "/portal", name: "portal", component: () => import("./pages/DepartmentPortal.vue"), meta: { perm: "tickets.department", title: "nav.portal" } },
  { path: "/review", name: "review", component: () => import("./pages/ReviewQueue.vue"), meta: { perm: "tickets.review", title: "nav.review" } },
  { path: "/callback", name: "callback", component: () => import("./pages/CallbackQueue.vue"), meta: { perm: "tickets.process", title: "nav.callback" } },
  { path: "/kb", name: "kb", component: () => import("./pages/KbSearch.vue"), meta: { perm: "kb.read", title: "nav.kb" } },
  { path: "/console", name: "console", component: () => import("./pages/ConsolePage.vue"), meta: { perm: "agent.work", title: "nav.console", wide: true } },
  { path: "/supervisor", name: "supervisor", component: () => import("./pages/SupervisorPage.vue"), meta: { perm: "acd.read", title: "nav.supervisor", wide: true } },
  { path: "/wallboard", name: "wallboard", component: () => import("./pages/WallboardPage.vue"), meta: { perm: "acd.read", title: "nav.wallboard", wide: true } },
  { path: "/reports", name: "reports", component: () => import("./pages/ReportsPage.vue"), meta: { perm: "reports.read", title: "nav.reports" } },
  { path: "/testphone", name: "testphone", component: () => import("./pages/TestPhonePage.vue"), meta: { roles: ["admin"], title: "nav.testphone" } },
  { path: "/public/lookup", name: "public-lookup", component: () => import("./pages/public/PublicLookup.vue"), meta: { public: true, title: "public.lookup.title" } },
  { path: "/public/mailbox", name: "public-mailbox", component: () => import("./pages/public/PublicMailbox.vue"), meta: { public: true, title: "public.mailbox.title" } },
  { path: "/:pathMatch(.*)*", name: "not-found", component: () => import("./pages/NotFound.vue"), meta: { public: true, title: "nav.notFound" } },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  if (to.name === "login") {
    // Already logged in (a cookie from earlier): straight to the app.
    const user = await ensureSession().catch(() => null);
    return user ? (typeof to.query.next === "string" && to.query.next.startsWith("/") ? to.query.next : "/") : true;
  }
  if (to.meta.public) return true;
  const user = await ensureSession();
  if (!user) return { name: "login", query: { next: to.fullPath } };
  if (to.meta.perm && !can(to.meta.perm)) return { name: "home" };
  if (to.meta.roles && !to.meta.roles.some((r) => roles.value.includes(r))) return { name: "home" };
  return true;
});
