'use strict';
/**
 * One data set = the diagrams, folders, generations and quota usage of one account in one
 * environment (live or test). Records are stored in their API shape; internal extras (BPMN source,
 * generation runtime) live in side maps. Rendering a record is a shallow copy.
 */
const crypto = require('node:crypto');
const { SortedCollection } = require('./collection');
const { generatedBpmn, sampleBpmn, planFromPrompt } = require('./bpmn');
const { hmac } = require('./util');

/**
 * @typedef {{ userId: string, organizationId: string|null }} Actor who acts: the key's user and org
 * @typedef {{ object:'diagram', id:string, name:string, folder_id:string|null, organization_id:string|null,
 *   created_by:string, created_at:string, updated_at:string }} Diagram
 * @typedef {{ object:'folder', id:string, name:string, parent_id:string|null, context:string|null,
 *   organization_id:string|null, created_at:string, updated_at:string }} Folder
 * @typedef {{ object:'generation', id:string, status:string, prompt:string, name:string|null,
 *   folder_id:string|null, theme:'light'|'dark', format:'png'|'svg', diagram_id:string|null,
 *   image_url:string|null, error:{code:string,message:string}|null, organization_id:string|null,
 *   created_at:string, updated_at:string, completed_at:string|null }} Generation
 * @typedef {{ queuedMs:number, runningMs:number, outcome:'succeeded'|'failed',
 *   failure:{code:string,message:string}, intermediateStatus?:string }} GenerationPlan
 */

const QUOTA_WINDOW_MS = 30 * 24 * 3600 * 1000; // [doc] rolling 30 days

class DataSet {
  /**
   * @param {object} o
   * @param {string} o.account
   * @param {'live'|'test'} o.environment
   * @param {import('./util').Clock} o.clock
   * @param {(ds: DataSet, diagramId: string, theme: string, format: string) => string} o.imageUrlFor
   *   the `image_url` a succeeded generation gets
   */
  constructor({ account, environment, clock, imageUrlFor }) {
    this.account = account;
    this.environment = environment;
    /** Short opaque id, used in image-host URLs. */
    this.id = hmac('dataset', `${account}\0${environment}`, 12);
    this.clock = clock;
    this.imageUrlFor = imageUrlFor;
    /** @type {SortedCollection<Diagram>} */
    this.diagrams = new SortedCollection();
    /** @type {SortedCollection<Folder>} */
    this.folders = new SortedCollection();
    /** @type {Map<string, Generation>} */
    this.generations = new Map();
    /** @type {Map<string, string>} diagram id → BPMN as imported/generated */
    this.bpmnById = new Map();
    /** @type {Map<string, string>} diagram id → name used for the BPMN of seeded diagrams (built lazily) */
    this.lazyBpmnName = new Map();
    /** @type {Map<string, number>} folder id → number of direct children (folders + diagrams) */
    this.childCount = new Map();
    /** @type {Map<string, {startedMs:number, plan:GenerationPlan, actor:Actor}>} */
    this.runtime = new Map();
    /** @type {Generation[]} not yet terminal */
    this.pending = [];
    /** @type {number[]} ms timestamps of quota-using generations, oldest first */
    this.quotaLog = [];
  }

  // ---- folder content counters (for the 409 on deleting a non-empty folder) ----

  /** @param {string|null} folderId @param {number} delta */
  adjustChildren(folderId, delta) {
    if (folderId) this.childCount.set(folderId, (this.childCount.get(folderId) || 0) + delta);
  }

  /** @param {string} folderId */
  isFolderEmpty(folderId) {
    return !this.childCount.get(folderId);
  }

  // ---- diagrams ----

  /**
   * @param {{name:string, folderId?:string|null, bpmnXml?:string|null, actor:Actor}} input
   *   `bpmnXml` null/omitted: a sample document is built on first export
   * @returns {Diagram}
   */
  createDiagram({ name, folderId = null, bpmnXml = null, actor }) {
    const now = this.clock.tick();
    /** @type {Diagram} */
    const d = {
      object: 'diagram',
      id: crypto.randomUUID(),
      name,
      folder_id: folderId,
      organization_id: actor.organizationId,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    };
    this.diagrams.insert(d);
    if (bpmnXml !== null) this.bpmnById.set(d.id, bpmnXml);
    else this.lazyBpmnName.set(d.id, name);
    this.adjustChildren(folderId, +1);
    return d;
  }

  /** @param {string} id @returns {string} */
  bpmnOf(id) {
    let xml = this.bpmnById.get(id);
    if (xml === undefined) {
      xml = sampleBpmn(this.lazyBpmnName.get(id) || 'Process');
      this.bpmnById.set(id, xml);
      this.lazyBpmnName.delete(id);
    }
    return xml;
  }

  /**
   * Partial update; `updated_at` moves only when something changed.
   * @param {Diagram} d @param {{name?:string, folder_id?:string|null}} patch @returns {Diagram}
   */
  updateDiagram(d, patch) {
    if ('folder_id' in patch && patch.folder_id !== d.folder_id) {
      this.adjustChildren(d.folder_id, -1);
      this.adjustChildren(patch.folder_id ?? null, +1);
    }
    return this.applyPatch(d, patch);
  }

  /** @param {Diagram} d */
  deleteDiagram(d) {
    this.diagrams.remove(d.id);
    this.bpmnById.delete(d.id);
    this.lazyBpmnName.delete(d.id);
    this.adjustChildren(d.folder_id, -1);
  }

  // ---- folders ----

  /**
   * @param {{name:string, parentId?:string|null, context?:string|null, actor:Actor}} input
   * @returns {Folder}
   */
  createFolder({ name, parentId = null, context = null, actor }) {
    const now = this.clock.tick();
    /** @type {Folder} */
    const f = {
      object: 'folder',
      id: crypto.randomUUID(),
      name,
      parent_id: parentId,
      context,
      organization_id: actor.organizationId,
      created_at: now,
      updated_at: now,
    };
    this.folders.insert(f);
    this.adjustChildren(parentId, +1);
    return f;
  }

  /** @param {Folder} f @param {{name?:string, parent_id?:string|null, context?:string|null}} patch */
  updateFolder(f, patch) {
    if ('parent_id' in patch && patch.parent_id !== f.parent_id) {
      this.adjustChildren(f.parent_id, -1);
      this.adjustChildren(patch.parent_id ?? null, +1);
    }
    return this.applyPatch(f, patch);
  }

  /** @param {Folder} f */
  deleteFolder(f) {
    this.folders.remove(f.id);
    this.childCount.delete(f.id);
    this.adjustChildren(f.parent_id, -1);
  }

  /**
   * True when making `newParentId` the parent of `folderId` would create a cycle: the new parent
   * is the folder itself or one of its descendants. Walks up from the new parent.
   * @param {string} folderId @param {string|null} newParentId
   */
  wouldCycle(folderId, newParentId) {
    for (let at = newParentId, hops = 0; at && hops <= this.folders.size; hops++) {
      if (at === folderId) return true;
      at = this.folders.get(at)?.parent_id ?? null;
    }
    return false;
  }

  /**
   * Copy the changed fields and bump `updated_at` if any changed.
   * @template {{updated_at: string}} T @param {T} record @param {Record<string, unknown>} patch @returns {T}
   */
  applyPatch(record, patch) {
    const changed = Object.keys(patch).filter((k) => record[k] !== patch[k]);
    if (changed.length) {
      for (const k of changed) record[k] = patch[k];
      record.updated_at = this.clock.tick();
    }
    return record;
  }

  // ---- generations ----

  /**
   * Quota units used in the rolling window (drops expired entries).
   * @param {number} nowMs @returns {number}
   */
  quotaUsed(nowMs) {
    while (this.quotaLog.length && this.quotaLog[0] <= nowMs - QUOTA_WINDOW_MS) this.quotaLog.shift();
    return this.quotaLog.length;
  }

  /** Seconds until the oldest unit leaves the window. @param {number} nowMs */
  quotaRetryAfterSeconds(nowMs) {
    const oldest = this.quotaLog[0] ?? nowMs;
    return Math.max(1, Math.ceil((oldest + QUOTA_WINDOW_MS - nowMs) / 1000));
  }

  /**
   * Start a generation; it uses one quota unit. The returned record is in status `queued`.
   * @param {{prompt:string, name?:string|null, folderId?:string|null, theme?:'light'|'dark',
   *   format?:'png'|'svg', plan:GenerationPlan, actor:Actor, nowMs:number}} input
   * @returns {Generation}
   */
  startGeneration({ prompt, name = null, folderId = null, theme = 'light', format = 'png', plan, actor, nowMs }) {
    const now = this.clock.tick();
    /** @type {Generation} */
    const g = {
      object: 'generation',
      id: crypto.randomUUID(),
      status: 'queued',
      prompt,
      name,
      folder_id: folderId,
      theme,
      format,
      diagram_id: null,
      image_url: null,
      error: null,
      organization_id: actor.organizationId,
      created_at: now,
      updated_at: now,
      completed_at: null,
    };
    this.generations.set(g.id, g);
    this.runtime.set(g.id, { startedMs: nowMs, plan, actor });
    this.pending.push(g);
    this.quotaLog.push(nowMs);
    return g;
  }

  /**
   * Bring every pending generation up to date with real time. Called before each request on this
   * data set, so no timers are needed: a generation's diagram appears as soon as anyone looks.
   * @param {number} nowMs
   */
  advanceGenerations(nowMs) {
    if (!this.pending.length) return;
    this.pending = this.pending.filter((g) => !this.advanceOne(g, nowMs));
  }

  /** @param {Generation} g @param {number} nowMs @returns {boolean} true when terminal */
  advanceOne(g, nowMs) {
    const { startedMs, plan, actor } = /** @type {NonNullable<ReturnType<DataSet['runtime']['get']>>} */ (this.runtime.get(g.id));
    const elapsed = nowMs - startedMs;
    if (elapsed < plan.queuedMs) return false;
    if (elapsed < plan.queuedMs + plan.runningMs) {
      this.setStatus(g, plan.intermediateStatus || 'running');
      return false;
    }
    if (plan.outcome === 'failed') {
      g.error = { code: plan.failure.code, message: plan.failure.message };
      this.setStatus(g, 'failed');
    } else {
      this.completeGeneration(g, actor);
    }
    g.completed_at = g.updated_at;
    this.runtime.delete(g.id);
    return true;
  }

  /** @param {Generation} g @param {string} status */
  setStatus(g, status) {
    if (g.status === status) return;
    g.status = status;
    g.updated_at = this.clock.tick();
  }

  /**
   * The saved diagram of a succeeded generation. [assumed] if the target folder was deleted while
   * the job ran, the diagram lands in the root.
   * @param {Generation} g @param {Actor} actor
   */
  completeGeneration(g, actor) {
    const name = g.name || planFromPrompt(g.prompt).title;
    const folderId = g.folder_id && this.folders.get(g.folder_id) ? g.folder_id : null;
    const d = this.createDiagram({ name, folderId, bpmnXml: generatedBpmn(g.prompt, name), actor });
    g.diagram_id = d.id;
    g.image_url = this.imageUrlFor(this, d.id, g.theme, g.format);
    this.setStatus(g, 'succeeded');
  }
}

module.exports = { DataSet, QUOTA_WINDOW_MS };
