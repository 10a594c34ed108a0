// A short list of strings edited in place (NTP servers, allowed networks):
// one labelled input per item with its own error, Remove, and Add up to max.
import { Button } from './Button';
import { TextField } from './Field';

export function ListEditor({
  legend,
  items,
  onChange,
  itemLabel,
  errors = {},
  listError,
  max,
  addLabel,
  hint,
  placeholder,
  disabled = false,
}: {
  legend: string;
  items: string[];
  onChange: (items: string[]) => void;
  itemLabel: (i: number) => string;
  /** Errors by index. */
  errors?: Record<number, string | undefined>;
  /** An error about the list as a whole. */
  listError?: string;
  max: number;
  addLabel: string;
  hint?: string;
  placeholder?: string;
  disabled?: boolean;
}) {
  return (
    <fieldset disabled={disabled}>
      <legend className="text-sm font-medium text-slate-700">{legend}</legend>
      {hint ? <p className="mt-0.5 text-xs text-slate-500">{hint}</p> : null}
      {listError ? (
        <p role="alert" className="mt-1 text-xs font-medium text-red-700">
          {listError}
        </p>
      ) : null}
      <ul className="mt-2 space-y-2">
        {items.map((v, i) => (
          <li key={i} className="flex items-start gap-2">
            <TextField
              label={itemLabel(i)}
              className="flex-1 [&>label]:sr-only"
              value={v}
              placeholder={placeholder}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => onChange(items.map((x, j) => (j === i ? e.target.value.trim() : x)))}
              error={errors[i]}
            />
            {disabled ? null : (
              <Button className="mt-1" onClick={() => onChange(items.filter((_, j) => j !== i))} aria-label={`Remove ${itemLabel(i)}`}>
                Remove
              </Button>
            )}
          </li>
        ))}
      </ul>
      {items.length === 0 ? <p className="mt-1 text-sm text-slate-500">None.</p> : null}
      {disabled ? null : (
        <Button className="mt-2" variant="ghost" onClick={() => onChange([...items, ''])} disabled={items.length >= max}>
          {addLabel}
        </Button>
      )}
    </fieldset>
  );
}
