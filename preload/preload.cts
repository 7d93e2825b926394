// The bridge, and nothing else: one call channel, one event channel, and the
// path of a dropped file (sandboxed renderers cannot see paths themselves).
import { contextBridge, ipcRenderer, webUtils } from 'electron';

contextBridge.exposeInMainWorld('pancakeBridge', {
  call: (method: string, params: unknown) => ipcRenderer.invoke('pancake:call', method, params),
  onEvent: (listener: (event: unknown) => void) => {
    ipcRenderer.on('pancake:event', (_e, event: unknown) => listener(event));
  },
  // Only a File the user dropped has a path; telling the main process lets
  // it accept that path (and no made-up one) in the import that follows.
  pathForFile: (file: File) => {
    const dropped = webUtils.getPathForFile(file);
    if (dropped) ipcRenderer.send('pancake:dropped', dropped);
    return dropped;
  },
  mediaBase: 'pancake-media://media/',
});
