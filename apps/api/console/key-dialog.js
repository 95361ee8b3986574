// Asks for the API key in a modal dialog; one question at a time however many requests were refused.
import { $ } from "./dom.js";

/** @type {Promise<string | null> | undefined} */
let asking;

/**
 * Resolves with the key typed, or null when the person cancels.
 * @param {string} [problem] shown above the field (a refused key, say)
 * @returns {Promise<string | null>}
 */
export function askForKey(problem = "") {
  asking ??= new Promise((resolve) => {
    const dialog = $("#key-dialog", HTMLDialogElement);
    const form = $("#key-form", HTMLFormElement);
    const input = $("#key-input", HTMLInputElement);
    const error = $("#key-error", HTMLElement);
    const cancel = $("#key-cancel", HTMLButtonElement);
    error.textContent = problem;
    error.hidden = !problem;
    input.value = "";
    /** @param {string | null} key */
    const done = (key) => {
      form.removeEventListener("submit", onSubmit);
      cancel.removeEventListener("click", onCancel);
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      asking = undefined;
      resolve(key);
    };
    /** @param {Event} event */
    const onSubmit = (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (key) done(key);
    };
    /** @param {Event} event */
    const onCancel = (event) => {
      event.preventDefault();
      done(null);
    };
    form.addEventListener("submit", onSubmit);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    input.focus();
  });
  return asking;
}
