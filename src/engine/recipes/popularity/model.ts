/**
 * Popularity's trained half: every user scores items by their distinct users (the model's shared
 * popularity array). Similar items: cosine of co-occurrence columns.
 */
import { BaseRecipeModel, type UserHistory } from "../../recipe.js";

export class PopularityModel extends BaseRecipeModel<null> {
  /** item → users, built lazily: only similar() needs it. */
  private coocT: { indptr: Int32Array; indices: Int32Array } | null = null;

  trainedUser(): null {
    return null;
  }
  foldIn(_history: UserHistory): null {
    return null;
  }
  score(_user: null, scores: Float64Array): void {
    const pop = this.data.popularity;
    for (let j = 0; j < pop.length; j++) scores[j] = pop[j];
  }

  similar(i: number, scores: Float64Array): void {
    const d = this.data;
    const nI = this.nItems;
    if (!this.coocT) {
      const cnt = new Int32Array(nI + 1);
      for (const it of d.seenIndices) cnt[it + 1]++;
      for (let j = 0; j < nI; j++) cnt[j + 1] += cnt[j];
      const pos = cnt.slice(0, nI);
      const idx = new Int32Array(d.seenIndices.length);
      const nU = d.userIds.length;
      for (let u = 0; u < nU; u++) for (let e = d.seenIndptr[u]; e < d.seenIndptr[u + 1]; e++) idx[pos[d.seenIndices[e]]++] = u;
      this.coocT = { indptr: cnt, indices: idx };
    }
    scores.fill(0);
    const { indptr, indices } = this.coocT;
    for (let e = indptr[i]; e < indptr[i + 1]; e++) {
      const u = indices[e];
      for (let q = d.seenIndptr[u]; q < d.seenIndptr[u + 1]; q++) scores[d.seenIndices[q]] += 1;
    }
    const pi = indptr[i + 1] - indptr[i];
    for (let j = 0; j < scores.length; j++) {
      const pj = indptr[j + 1] - indptr[j];
      scores[j] = pi && pj ? scores[j] / Math.sqrt(pi * pj) : 0;
    }
  }
}
