/**
 * k-nearest-neighbour classification on small embeddings (DrLIM's 2-D outputs), on the host:
 * exact Euclidean distances, majority vote, ties broken by the nearer neighbour's label, then by
 * the lower reference index, so the result is deterministic.
 * @module
 */

/** Indices of the k nearest reference rows of each query row (Euclidean, exact, host-side). */
export function knnIndices(
  query: Float32Array,
  ref: Float32Array,
  dim: number,
  k: number,
): Int32Array {
  const nq = query.length / dim, nr = ref.length / dim;
  if (!Number.isInteger(nq) || !Number.isInteger(nr)) {
    throw new RangeError(
      `knnIndices: array lengths ${query.length}, ${ref.length} are not multiples of dim ${dim}`,
    );
  }
  if (k < 1 || k > nr) throw new RangeError(`Cannot use k = ${k} with ${nr} reference points`);
  const out = new Int32Array(nq * k);
  const bestD = new Float64Array(k), bestI = new Int32Array(k);
  for (let q = 0; q < nq; q++) {
    bestD.fill(Infinity);
    bestI.fill(-1);
    for (let r = 0; r < nr; r++) {
      let d = 0;
      for (let j = 0; j < dim; j++) {
        const t = query[q * dim + j]! - ref[r * dim + j]!;
        d += t * t;
      }
      if (d < bestD[k - 1]!) {
        // insertion into the sorted list (strict < keeps the lower index first on ties)
        let p = k - 1;
        while (p > 0 && bestD[p - 1]! > d) {
          bestD[p] = bestD[p - 1]!;
          bestI[p] = bestI[p - 1]!;
          p--;
        }
        bestD[p] = d;
        bestI[p] = r;
      }
    }
    out.set(bestI, q * k);
  }
  return out;
}

/** Predicts each query's label by a majority vote of its k nearest references. */
export function knnPredict(
  query: Float32Array,
  ref: Float32Array,
  refLabels: ArrayLike<number>,
  dim: number,
  k: number,
): Int32Array {
  const idx = knnIndices(query, ref, dim, k);
  const nq = query.length / dim;
  const pred = new Int32Array(nq);
  const votes = new Map<number, number>();
  for (let q = 0; q < nq; q++) {
    votes.clear();
    let best = -1, bestVotes = 0;
    // neighbours are visited nearest first, so on a tie the label seen first (nearer) wins
    for (let j = 0; j < k; j++) {
      const lab = refLabels[idx[q * k + j]!]!;
      const v = (votes.get(lab) ?? 0) + 1;
      votes.set(lab, v);
      if (v > bestVotes) {
        best = lab;
        bestVotes = v;
      }
    }
    pred[q] = best;
  }
  return pred;
}

/** Fraction of predictions equal to the labels. */
export function accuracy(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (pred.length !== labels.length || pred.length === 0) {
    throw new RangeError(
      `accuracy needs equal, non-empty lengths; got ${pred.length} and ${labels.length}`,
    );
  }
  let c = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) c++;
  return c / pred.length;
}

/** kNN classification accuracy of `query` against a labelled reference set. */
export function knnAccuracy(
  query: Float32Array,
  queryLabels: ArrayLike<number>,
  ref: Float32Array,
  refLabels: ArrayLike<number>,
  dim: number,
  k: number,
): number {
  return accuracy(knnPredict(query, ref, refLabels, dim, k), queryLabels);
}
