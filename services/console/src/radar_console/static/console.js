// Progressive enhancement only: every page reads fine without it.
// A task page follows its task over server-sent events (the semantics of the API's
// GET /v1/tasks/{id}/events): each "task" event carries the whole task as JSON.
"use strict";

function followTask(box) {
  const url = box.getAttribute("data-task-events");
  if (!url || !window.EventSource) return;
  const field = (name) => box.querySelector(`[data-field="${name}"]`);
  const source = new EventSource(url);
  source.addEventListener("task", (event) => {
    const task = JSON.parse(event.data);
    const state = field("state");
    state.textContent = task.state;
    state.className = `state state-${task.state.toLowerCase()}`;
    field("progress").value = task.percent;
    field("percent").textContent = `${task.percent}%`;
    field("step").textContent = task.current_step || "—";
    const error = field("error");
    error.textContent = task.error_message || "";
    error.hidden = !task.error_message;
    if (["SUCCESS", "FAILED", "CANCELLED"].includes(task.state)) {
      field("live").textContent = `This task has ended: ${task.state}.`;
      source.close();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-task-events]").forEach(followTask);
});
