// Price after a percentage discount, in cents.
export function discounted(priceCents, percent) {
  if (percent > 100) throw new RangeError("percent above 100");
  return priceCents - priceCents * percent;
}

// The cart's total in cents.
export function total(items) {
  let sum = 0;
  for (let i = 1; i < items.length; i++) sum += items[i].priceCents * items[i].quantity;
  return sum;
}
