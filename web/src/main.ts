import { createApp } from "vue";
import App from "./App.vue";
import { router } from "./router";
import { setUnauthenticatedHandler } from "./api/client";
import { forget } from "./auth/session";
import { hub } from "./ws/client";
import { installAttach } from "./ws/attach";
import { startClock } from "./live/clock";
import "./styles/main.css";

function backToLogin() {
  forget();
  const here = router.currentRoute.value;
  if (!here.meta.public) router.push({ name: "login", query: { next: here.fullPath } });
}
setUnauthenticatedHandler(backToLogin);
hub.on("ws.session_ended", backToLogin);
// Before the first connection: session.ready is the first message of each one.
installAttach();
startClock();

createApp(App).use(router).mount("#app");
