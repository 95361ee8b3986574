// Upper-cases text and adds an exclamation mark: proof that a dependency was installed at deploy.
export function shout(text) {
  return `${text.trim().toUpperCase()}!`;
}
