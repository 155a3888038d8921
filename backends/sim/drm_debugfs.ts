// What a DRM device shows under sysfs (drm_sysfs.c: the minor's class device)
// and debugfs (drm_debugfs.c: drm_debugfs_list): IGT's vgem_basic reads every
// file of both directories.
import type { DrmDevice } from './drm_device.ts';

/** The DRM character devices' major number (DRM_MAJOR). */
const DRM_MAJOR = 226;

/** The regular files of /sys/dev/char/226:N: the class device's dev and uevent attributes. */
export function drm_sysfs_files(dev: DrmDevice): Record<string, string> {
  return {
    dev: `${DRM_MAJOR}:${dev.minor}\n`,
    // dev_uevent, with drm_sysfs_device_minor's type name
    uevent: `MAJOR=${DRM_MAJOR}\nMINOR=${dev.minor}\nDEVNAME=dri/card${dev.minor}\nDEVTYPE=drm_minor\n`,
  };
}

/** drm_name_info: driver, parent device and unique name (vgem's are all its driver name). */
function drm_name_info(dev: DrmDevice): string {
  const name = dev.driver.name;
  return `${name} dev=${name} unique=${name}\n`;
}

/** drm_clients_info (6.1 layout): one row per open file, newest first. */
function drm_clients_info(dev: DrmDevice): string {
  const rows = [`${'command'.padStart(20)} ${'tgid'.padStart(5)} ${'dev'.padStart(3)} master a ${'uid'.padStart(5)} ${'magic'.padStart(10)}`];
  for (const file of [...dev.filelist].reverse()) {
    const master = dev.master === file ? 'y' : 'n';
    // Root's files are authenticated (drm_open_helper); uid 0, no magic.
    rows.push(`${file.comm.padStart(20)} ${String(file.tgid).padStart(5)} ${String(dev.minor).padStart(3)}   ${master}    y ${'0'.padStart(5)} ${'0'.padStart(10)}`);
  }
  return rows.join('\n') + '\n';
}

/** drm_gem_name_info: every flink name with its object's size, handles and references. */
function drm_gem_name_info(dev: DrmDevice): string {
  const rows = ['  name     size handles refcount'];
  for (const [name, obj] of dev.object_name_idr) {
    rows.push(`${String(name).padStart(6)} ${String(obj.size).padStart(8)} ${String(obj.handle_count).padStart(7)} ${String(obj.refcount).padStart(8)}`);
  }
  return rows.join('\n') + '\n';
}

/** The files of /sys/kernel/debug/dri/N (drm_debugfs_list; gem_names as every driver here has GEM). */
export function drm_debugfs_files(dev: DrmDevice): Record<string, string> {
  return { name: drm_name_info(dev), clients: drm_clients_info(dev), gem_names: drm_gem_name_info(dev) };
}
