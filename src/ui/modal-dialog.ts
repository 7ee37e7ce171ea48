/**
 * Keeps a component's native `<dialog>` open or closed as its `opened` state says: opened
 * as a modal (backdrop, focus kept inside, Escape closes), closed otherwise. The dialog's own
 * `close` event (Escape) must set `opened` back to false in the component.
 */
export function syncModal(root: ParentNode, opened: boolean): void {
  const dialog = root.querySelector('dialog');
  if (!dialog) return;
  if (opened && !dialog.open) dialog.showModal();
  if (!opened && dialog.open) dialog.close();
}
