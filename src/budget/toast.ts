/**
 * A toast in opencode's TUI through the SDK client the plugin factory receives (`input.client`,
 * `client.tui.showToast`, `POST /tui/show-toast`): opencode publishes it as a `tui.toast.show`
 * event, which every TUI attached to that project's instance shows. Fire and forget: a host
 * without a TUI (`opencode run`, a bare `serve`) just publishes the event.
 */
export interface Toast {
  readonly title: string;
  readonly message: string;
  readonly variant: "info" | "success" | "warning" | "error";
  /** How long the TUI shows it, ms. */
  readonly duration: number;
}

export type ShowToast = (toast: Toast) => Promise<void>;

type Call = (options: { body: Toast }) => unknown;

/** The client's `tui.showToast`, or undefined when the client has none (older hosts, tests). */
export function toastSender(client: unknown): ShowToast | undefined {
  const call = showToastOf(client);
  if (!call) return undefined;
  return async (toast) => {
    // The SDK answers failures as `{ error }` rather than throwing.
    const result = await call({ body: toast });
    if (typeof result === "object" && result !== null && "error" in result && result.error)
      throw new Error(`the host refused the toast (${JSON.stringify(result.error).slice(0, 200)})`);
  };
}

function showToastOf(client: unknown): Call | undefined {
  if (typeof client !== "object" || client === null || !("tui" in client)) return undefined;
  const tui = client.tui;
  if (typeof tui !== "object" || tui === null || !("showToast" in tui)) return undefined;
  const showToast = tui.showToast;
  if (typeof showToast !== "function") return undefined;
  return (options) => Reflect.apply(showToast, tui, [options]);
}
