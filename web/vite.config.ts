import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// `npm run dev` serves the app on :5173 and forwards the API and the
// WebSocket to a hotlined on 127.0.0.1:8080 (HOTLINE_URL overrides).
const target = process.env.HOTLINE_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      "/api": { target, changeOrigin: false },
      "/ws": { target: target.replace(/^http/, "ws"), ws: true },
      "/healthz": { target },
    },
  },
});
