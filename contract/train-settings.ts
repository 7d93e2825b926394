// What a Train request may ask for. The validator is the type: TrainSettings
// is derived from it, and the renderer's Advanced form reads its limits from
// it, so a limit is written once.
import { v, type Infer } from './validate.js';

export const trainSettings = v.object({
  backbone: v.optional(v.string({ min: 1, max: 100 })),
  augment: v.optional(v.boolean()),
  epochs: v.optional(v.int({ min: 1, max: 1000 })),
  learningRate: v.optional(v.number({ min: 1e-6, max: 10 })),
  /** 0 means no hidden layer. */
  hiddenUnits: v.optional(v.int({ min: 0, max: 4096 })),
  /** Share of labelled images held out when the project has no validation split. */
  validationShare: v.optional(v.number({ min: 0, max: 0.5 })),
  seed: v.optional(v.int({ min: 0, max: 2 ** 31 - 1 })),
});

export type TrainSettings = Infer<typeof trainSettings>;
