// Short-lived messages at the bottom of the window: what just happened,
// with an optional action (Undo), and errors that need no dialog.
export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  action?: { label: string; run: () => void };
}

class Toasts {
  items = $state<Toast[]>([]);
  private next = 1;

  show(text: string, opts: { kind?: Toast['kind']; action?: Toast['action']; ms?: number } = {}): void {
    const toast: Toast = { id: this.next++, text, kind: opts.kind ?? 'info', ...(opts.action ? { action: opts.action } : {}) };
    // One message at a time per kind reads calmer than a stack.
    this.items = [...this.items.filter((t) => t.kind !== toast.kind), toast];
    const ms = opts.ms ?? (toast.kind === 'error' ? 8000 : 4000);
    setTimeout(() => this.dismiss(toast.id), ms);
  }

  error(err: unknown): void {
    this.show(err instanceof Error ? err.message : String(err), { kind: 'error' });
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
