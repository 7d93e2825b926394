// The bridge, and nothing else: one call channel, one event channel, and the
// path of a dropped file (sandboxed renderers cannot see paths themselves).
import { contextBridge, ipcRenderer, webUtils } from 'electron';

contextBridge.exposeInMainWorld('pancakeBridge', {
  call: (method: string, params: unknown) => ipcRenderer.invoke('pancake:call', method, params),
  onEvent: (listener: (event: unknown) => void) => {
    ipcRenderer.on('pancake:event', (_e, event: unknown) => listener(event));
  },
  pathForFile: (file: File) => webUtils.getPathForFile(file),
  mediaBase: 'pancake-media://media/',
});
