// The ticket being typed during a call, saved to localStorage on every
// change (per agent), so that a reload or a crash of the tab loses nothing.
// It remembers the call it belongs to; saving the ticket clears it.
import { reactive, watch } from "vue";

export interface TicketDraft {
  call: string; // the call it was started on ("" when none)
  caller_masked: string;
  type: string;
  category_code: string;
  urgency: string;
  caller_name: string;
  caller_phone: string;
  location: string;
  summary: string;
  content: string;
  kb_article_id: number | null;
  kb_title: string;
  reply: string;
  later_note: string;
  later_hours: number;
  saved_at: number; // ms of the last local save
}

export function blankDraft(): TicketDraft {
  return {
    call: "", caller_masked: "", type: "consultation", category_code: "", urgency: "normal", caller_name: "",
    caller_phone: "", location: "", summary: "", content: "", kb_article_id: null, kb_title: "", reply: "",
    later_note: "", later_hours: 2, saved_at: 0,
  };
}

const PREFIX = "hotline.console.draft.";

/** True when the agent typed something worth keeping. */
export function draftHasContent(d: TicketDraft): boolean {
  return !!(d.category_code || d.caller_name || d.caller_phone || d.location || d.summary || d.content || d.reply || d.kb_article_id);
}

function load(job: string): TicketDraft {
  try {
    const s = localStorage.getItem(PREFIX + job);
    if (s) return { ...blankDraft(), ...(JSON.parse(s) as Partial<TicketDraft>) };
  } catch {
    /* unreadable: start afresh */
  }
  return blankDraft();
}

/** The draft of agent `job`, kept in localStorage as it changes. */
export function useDraft(job: string): { draft: TicketDraft; clear: () => void } {
  const draft = reactive(load(job));
  let suppress = false;
  watch(
    draft,
    () => {
      if (suppress) return;
      try {
        draft.saved_at = Date.now();
        localStorage.setItem(PREFIX + job, JSON.stringify(draft));
      } catch {
        /* storage full or unavailable */
      }
    },
    { deep: true, flush: "sync" },
  );
  function clear() {
    suppress = true;
    Object.assign(draft, blankDraft());
    suppress = false;
    try {
      localStorage.removeItem(PREFIX + job);
    } catch {
      /* ignore */
    }
  }
  return { draft, clear };
}
