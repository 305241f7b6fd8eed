// Today's tickets by type and the overdue count for the wallboard: one REST
// load (newest first, paged until yesterday), then `ticket.updated` pushes.
import { computed, ref } from "vue";
import { api } from "../api/client";
import type { Items, Ticket } from "../api/types";
import { hub } from "../ws/client";

const PAGE = 1000;
const MAX_PAGES = 30;

/** id → type of the tickets created today. */
const today = ref<Record<number, string>>({});
const overdueIds = ref<Set<number>>(new Set());
export const overdueCapped = ref(false);
export const ticketsError = ref("");
export const ticketsLoaded = ref(false);

function midnight(): number {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export const todayByType = computed(() => {
  const out: Record<string, number> = {};
  for (const type of Object.values(today.value)) out[type] = (out[type] ?? 0) + 1;
  return out;
});
export const todayTotal = computed(() => Object.keys(today.value).length);
export const overdueCount = computed(() => overdueIds.value.size);

export async function loadTickets(): Promise<void> {
  ticketsError.value = "";
  try {
    const since = midnight();
    const byId: Record<number, string> = {};
    let before: number | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await api.get<Items<Ticket>>("/api/v1/tickets", { limit: PAGE, before_id: before });
      let older = false;
      for (const tk of r.items) {
        if (Date.parse(tk.created_at) >= since) byId[tk.id] = tk.type;
        else older = true;
      }
      if (older || r.items.length < PAGE) break;
      before = r.items[r.items.length - 1].id;
    }
    today.value = byId;
    const o = await api.get<Items<Ticket>>("/api/v1/tickets", { overdue: 1, limit: PAGE });
    overdueIds.value = new Set(o.items.map((t) => t.id));
    overdueCapped.value = o.items.length >= PAGE;
  } catch (e) {
    ticketsError.value = (e as Error).message;
  } finally {
    ticketsLoaded.value = true;
  }
}

const OPEN_STATES = new Set(["created", "dispatched", "signed", "returned", "extension_requested", "replied", "reviewed", "called_back"]);

function onTicketUpdated(p: { ticket?: Ticket } & Partial<Ticket>) {
  const tk = (p.ticket ?? p) as Partial<Ticket>;
  if (typeof tk.id !== "number") return;
  if (tk.created_at && tk.type && Date.parse(tk.created_at) >= midnight() && !(tk.id in today.value)) {
    today.value = { ...today.value, [tk.id]: tk.type };
  }
  if (tk.escalation !== undefined || tk.state !== undefined) {
    const overdue = tk.escalation === "red" && (!tk.state || OPEN_STATES.has(tk.state));
    const set = new Set(overdueIds.value);
    if (overdue) set.add(tk.id);
    else set.delete(tk.id);
    overdueIds.value = set;
  }
}

let subscribed = false;
export function watchTickets() {
  if (!subscribed) {
    subscribed = true;
    hub.on("ticket.updated", onTicketUpdated);
    hub.on("ws.resync", loadTickets);
  }
  return loadTickets();
}
