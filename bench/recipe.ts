/**
 * A number's recipe, field by field (issue 28): what a published accuracy (reports/references.csv)
 * and a run's accuracy must share before their difference means anything. A run's recipe is read
 * from the config its log records and the row's metric and features ({@linkcode recipeOf}); a
 * published number's from its CSV columns. {@linkcode recipeDifferences} names each field that
 * differs ("epochs 4 vs 1000"), or that the source leaves unstated; where none does,
 * {@linkcode referenceDifference} gives the difference with its 95 % interval.
 * @module
 */
import { type Effect, intervalOf, type Stat, welchOf } from "../suite/stats.ts";
import { RECIPE_FIELDS } from "../io/csv.ts";

export { RECIPE_FIELDS };
export type RecipeField = (typeof RECIPE_FIELDS)[number];
/** Each field as text; "" = not stated (a published number), "-" = does not apply. */
export type Recipe = Record<RecipeField, string>;

/** Each data set's name as sources write it, its image side and its training images. */
const DATASET_NAMES: Record<string, { name: string; side: number; train: number }> = {
  "cifar10": { name: "CIFAR-10", side: 32, train: 50_000 },
  // the lossy JPEG copy is another data set: a published CIFAR-10 number does not match it
  "cifar10-jpeg": { name: "CIFAR-10 (JPEG copy)", side: 32, train: 50_000 },
  "stl10": { name: "STL-10", side: 96, train: 5_000 },
  "mnist": { name: "MNIST", side: 28, train: 60_000 },
};

const ENCODERS: Record<string, string> = {
  resnet18: "ResNet-18",
  resnet50: "ResNet-50",
  small: "small CNN",
};

const str = (v: unknown) => v === undefined || v === null ? "" : String(v);
const num = (v: unknown) => typeof v === "number" && Number.isFinite(v) ? v : NaN;

/** The features a row was measured on, in words: h, z, fc, quadrants, or the 2-D map. */
function onFeatures(features: string | undefined): string {
  return features ? ` on ${features}` : "";
}

/**
 * The recipe of one measured row of a run, from the run's resolved config (its log's `config`)
 * and the row's metric and features. Two-view methods: encoder and stem, width, the images
 * training draws from (`trainPerClass` x 10, or all of them), epochs and the steps they make
 * (whole batches per epoch), batch. Exemplar CNN: its network string (widths inside it), the seed
 * images (one per surrogate class), steps = classes x perClass x epochs / batch, evaluation at
 * the upsampled size. DrLIM: its network and the MNIST digits it trains on.
 */
export function recipeOf(
  config: Record<string, unknown>,
  row: { metric?: string; features?: string },
): Recipe {
  const isDrlim = config.trainPerDigit !== undefined;
  const data = DATASET_NAMES[isDrlim ? "mnist" : str(config.dataset)];
  const batch = num(config.batch), epochs = num(config.epochs);
  const side = data ? data.side * (num(config.upsample) || 1) : NaN;
  let network: string, width: string, images: number, steps: number;
  if (typeof config.network === "string") {
    // Exemplar CNN ("16c5-16c5-32f": widths in the string) and DrLIM ("paper", "poster")
    network = isDrlim ? `DrLIM ${config.network} net` : config.network;
    width = "-";
    if (isDrlim) {
      const digits = str(config.digits) === "all" ? 10 : str(config.digits).split(",").length;
      images = num(config.trainPerDigit) * digits;
      steps = NaN; // pairs per epoch depend on the neighbour graph: the log has them, not the config
    } else {
      images = num(config.classes);
      steps = num(config.classes) * num(config.perClass) * epochs / batch;
    }
  } else {
    const enc = str(config.encoder);
    network = `${ENCODERS[enc] ?? enc} (${config.stem === "imagenet" ? "ImageNet" : "CIFAR"} stem)`;
    width = str(config.width ?? "");
    const perClass = num(config.trainPerClass);
    images = perClass > 0 ? perClass * 10 : data?.train ?? NaN;
    steps = epochs * Math.floor(images / batch);
  }
  const metric = row.metric ?? "";
  const on = onFeatures(row.features);
  const probeEpochs = `softmax regression, ${str(config.probeEpochs)} epochs`;
  const [protocol, probe] = metric === "knn_accuracy"
    ? [`kNN (k=${str(config.knnK)}, T=${str(config.knnT)})${on}`, "-"]
    : metric === "knn_digit_accuracy"
    ? [`kNN (k=${str(config.knnK)})${on}`, "-"]
    : metric === "linear_accuracy"
    ? [`linear${on}`, probeEpochs]
    : metric === "mlp_accuracy"
    ? [`MLP (${str(config.mlpHidden)} hidden)${on}`, probeEpochs]
    : metric === "fold_accuracy"
    ? [
      `linear${on}, ${str(config.folds)} folds of ${str(config.foldPerClass)} a class`,
      probeEpochs,
    ]
    : [metric, ""];
  const text = (x: number) => Number.isFinite(x) ? String(Math.round(x * 1e6) / 1e6) : "";
  return {
    dataset: data?.name ?? str(config.dataset),
    image_size: text(side),
    network,
    width,
    train_images: text(images),
    epochs: text(epochs),
    steps: text(steps),
    batch: text(batch),
    protocol,
    probe,
  };
}

/** The recipe columns of a references.csv row ("" where the source does not state one). */
export function recipeOfReference(ref: Record<string, string | undefined>): Recipe {
  return Object.fromEntries(RECIPE_FIELDS.map((f) => [f, (ref[f] ?? "").trim()])) as Recipe;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9.=]/g, "");
const same = (a: string, b: string) => {
  const x = Number(a), y = Number(b);
  return a !== "" && b !== "" && Number.isFinite(x) && Number.isFinite(y)
    ? Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y))
    : norm(a) === norm(b);
};

/**
 * What keeps a measured number from being compared with a published one: each field that
 * differs ("epochs 4 vs 1000", here first), or that the source leaves unstated ("batch 128 vs
 * unstated": no match can be shown). Epochs and steps are one budget: a source that states one
 * of them is compared on that one. Empty: every field matches, and the difference means what it
 * says.
 */
export function recipeDifferences(ref: Recipe, here: Recipe): string[] {
  const budgetStated = ref.epochs !== "" || ref.steps !== "";
  const out: string[] = [];
  for (const f of RECIPE_FIELDS) {
    const words = f.replace("_", " ");
    if ((f === "epochs" || f === "steps") && budgetStated && ref[f] === "") continue;
    if (ref[f] === "") out.push(`${words} ${here[f] || "?"} vs unstated`);
    else if (!same(here[f], ref[f])) out.push(`${words} ${here[f] || "unknown"} vs ${ref[f]}`);
  }
  return out;
}

/**
 * A measured mean minus a published value, with its 95 % interval: Welch's where the source gives
 * a spread over runs (`plus_minus` as a std over `n` >= 2 runs), else the measured mean's own
 * interval over its seeds (the published number taken as exact). No interval from one seed.
 */
export function referenceDifference(
  here: Stat,
  ref: { value: number; plusMinus?: number; n?: number },
): Effect {
  if (ref.n !== undefined && ref.n >= 2 && ref.plusMinus !== undefined && here.n >= 2) {
    return welchOf(here, { mean: ref.value, std: ref.plusMinus, n: ref.n });
  }
  const i = intervalOf(here), difference = here.mean - ref.value;
  return {
    difference,
    low: i.low - ref.value,
    high: i.high - ref.value,
    paired: false,
    n: here.n,
    counts: [here.n, ref.n ?? 1],
    sd: here.std,
    se: here.n > 1 ? here.std / Math.sqrt(here.n) : NaN,
    df: here.n > 1 ? here.n - 1 : NaN,
  };
}
