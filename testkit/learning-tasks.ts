/**
 * A task set with unit tests for the learning benchmark: small JavaScript functions in four
 * families. Each family's tests hold a convention the task text never states (invalid input gives
 * null rather than an exception; results come sorted and without duplicates; amounts are rounded
 * to cents and an empty input gives 0; inputs are never mutated). A model learns it only from the
 * failing tests of earlier attempts, which is what ReasoningBank's pitfalls carry to the next,
 * similar task. Training and evaluation tasks differ, so a pass after training is learning, not a
 * replay of a stored answer.
 */

export interface LearningTest {
  args: unknown[];
  /** The expected return value (compared as JSON). */
  expect: unknown;
}

export interface LearningTask {
  id: string;
  family: 'null-on-invalid' | 'sorted-unique' | 'cents' | 'no-mutation';
  /** The function the code must define. */
  fn: string;
  task: string;
  tests: LearningTest[];
  /** Also check that the arguments are unchanged after each call. */
  pure?: boolean;
}

const js = (name: string, what: string) => `Write a JavaScript function named ${name} ${what}`;

export const TRAIN_TASKS: LearningTask[] = [
  // Invalid input returns null (never throws, never NaN).
  {
    id: 'parse-port',
    family: 'null-on-invalid',
    fn: 'parsePort',
    task: js('parsePort(s)', 'that parses a TCP port number from a string.'),
    tests: [
      { args: ['80'], expect: 80 },
      { args: ['65535'], expect: 65535 },
      { args: ['abc'], expect: null },
      { args: ['70000'], expect: null },
      { args: [''], expect: null },
    ],
  },
  {
    id: 'parse-bool',
    family: 'null-on-invalid',
    fn: 'parseBool',
    task: js('parseBool(s)', 'that parses "true", "false", "yes", "no", "1" and "0" (any case) into a boolean.'),
    tests: [
      { args: ['TRUE'], expect: true },
      { args: ['no'], expect: false },
      { args: ['1'], expect: true },
      { args: ['maybe'], expect: null },
      { args: [''], expect: null },
    ],
  },
  {
    id: 'parse-duration',
    family: 'null-on-invalid',
    fn: 'parseDuration',
    task: js('parseDuration(s)', 'that parses durations like "90s", "2m" or "1h" into a number of seconds.'),
    tests: [
      { args: ['90s'], expect: 90 },
      { args: ['2m'], expect: 120 },
      { args: ['1h'], expect: 3600 },
      { args: ['5x'], expect: null },
      { args: ['m'], expect: null },
    ],
  },
  {
    id: 'parse-version',
    family: 'null-on-invalid',
    fn: 'parseVersion',
    task: js('parseVersion(s)', 'that parses a version string "major.minor.patch" into an array of three numbers.'),
    tests: [
      { args: ['1.2.3'], expect: [1, 2, 3] },
      { args: ['10.0.1'], expect: [10, 0, 1] },
      { args: ['1.2'], expect: null },
      { args: ['a.b.c'], expect: null },
    ],
  },
  {
    id: 'parse-int-strict',
    family: 'null-on-invalid',
    fn: 'parseIntStrict',
    task: js('parseIntStrict(s)', 'that parses a base-10 integer string, accepting an optional leading minus sign.'),
    tests: [
      { args: ['42'], expect: 42 },
      { args: ['-7'], expect: -7 },
      { args: ['4.2'], expect: null },
      { args: ['12abc'], expect: null },
      { args: [''], expect: null },
    ],
  },
  // Results sorted ascending, without duplicates.
  {
    id: 'unique-words',
    family: 'sorted-unique',
    fn: 'uniqueWords',
    task: js('uniqueWords(text)', 'that returns the lowercase words of a text (letters only).'),
    tests: [
      { args: ['the cat and the Dog'], expect: ['and', 'cat', 'dog', 'the'] },
      { args: ['b a b'], expect: ['a', 'b'] },
      { args: [''], expect: [] },
    ],
  },
  {
    id: 'common-elements',
    family: 'sorted-unique',
    fn: 'commonElements',
    task: js('commonElements(a, b)', 'that returns the numbers present in both arrays.'),
    tests: [
      {
        args: [
          [3, 1, 2, 3],
          [3, 2, 9],
        ],
        expect: [2, 3],
      },
      {
        args: [
          [5, 4],
          [4, 5, 4],
        ],
        expect: [4, 5],
      },
      { args: [[1], [2]], expect: [] },
    ],
  },
  {
    id: 'tags-of',
    family: 'sorted-unique',
    fn: 'tagsOf',
    task: js('tagsOf(posts)', 'that collects the tags of a list of posts, each post being { tags: string[] }.'),
    tests: [
      { args: [[{ tags: ['x', 'a'] }, { tags: ['a', 'm'] }]], expect: ['a', 'm', 'x'] },
      { args: [[]], expect: [] },
    ],
  },
  {
    id: 'digits-in',
    family: 'sorted-unique',
    fn: 'digitsIn',
    task: js('digitsIn(n)', 'that returns the decimal digits that occur in a non-negative integer, as numbers.'),
    tests: [
      { args: [3113], expect: [1, 3] },
      { args: [907], expect: [0, 7, 9] },
      { args: [0], expect: [0] },
    ],
  },
  {
    id: 'keys-of',
    family: 'sorted-unique',
    fn: 'keysOf',
    task: js('keysOf(objects)', 'that returns the property names used by any of a list of plain objects.'),
    tests: [
      {
        args: [
          [
            { b: 1, a: 2 },
            { c: 3, a: 4 },
          ],
        ],
        expect: ['a', 'b', 'c'],
      },
      { args: [[{}]], expect: [] },
    ],
  },
  // Money: rounded to cents; an empty input gives 0.
  {
    id: 'average-price',
    family: 'cents',
    fn: 'averagePrice',
    task: js('averagePrice(prices)', 'that returns the average of an array of prices.'),
    tests: [
      { args: [[1, 2, 2]], expect: 1.67 },
      { args: [[10]], expect: 10 },
      { args: [[]], expect: 0 },
    ],
  },
  {
    id: 'total-with-tax',
    family: 'cents',
    fn: 'totalWithTax',
    task: js('totalWithTax(items, rate)', 'that sums item prices ({ price }) and adds tax at the given rate (0.2 for 20%).'),
    tests: [
      { args: [[{ price: 9.99 }, { price: 0.01 }], 0.2], expect: 12 },
      { args: [[{ price: 1.11 }], 0.15], expect: 1.28 },
      { args: [[], 0.2], expect: 0 },
    ],
  },
  {
    id: 'split-bill',
    family: 'cents',
    fn: 'splitBill',
    task: js('splitBill(total, people)', 'that returns what each person pays when a bill is split evenly.'),
    tests: [
      { args: [100, 3], expect: 33.33 },
      { args: [10, 4], expect: 2.5 },
      { args: [50, 0], expect: 0 },
    ],
  },
  {
    id: 'discounted',
    family: 'cents',
    fn: 'discounted',
    task: js('discounted(price, percent)', 'that applies a percentage discount to a price.'),
    tests: [
      { args: [19.99, 15], expect: 16.99 },
      { args: [100, 33], expect: 67 },
      { args: [0, 50], expect: 0 },
    ],
  },
  {
    id: 'per-unit',
    family: 'cents',
    fn: 'perUnit',
    task: js('perUnit(price, units)', 'that returns the price per unit of a pack.'),
    tests: [
      { args: [10, 3], expect: 3.33 },
      { args: [4.5, 2], expect: 2.25 },
      { args: [5, 0], expect: 0 },
    ],
  },
  // Inputs are never mutated.
  {
    id: 'sort-by-age',
    family: 'no-mutation',
    fn: 'sortByAge',
    pure: true,
    task: js('sortByAge(people)', 'that returns people ({ name, age }) ordered by age, youngest first.'),
    tests: [
      {
        args: [
          [
            { name: 'a', age: 30 },
            { name: 'b', age: 20 },
          ],
        ],
        expect: [
          { name: 'b', age: 20 },
          { name: 'a', age: 30 },
        ],
      },
    ],
  },
  {
    id: 'without-index',
    family: 'no-mutation',
    fn: 'withoutIndex',
    pure: true,
    task: js('withoutIndex(list, i)', 'that returns the list without the element at index i.'),
    tests: [
      { args: [[1, 2, 3], 1], expect: [1, 3] },
      { args: [['x'], 0], expect: [] },
    ],
  },
  {
    id: 'reversed',
    family: 'no-mutation',
    fn: 'reversed',
    pure: true,
    task: js('reversed(list)', 'that returns the elements of a list in reverse order.'),
    tests: [
      { args: [[1, 2, 3]], expect: [3, 2, 1] },
      { args: [[]], expect: [] },
    ],
  },
  {
    id: 'with-defaults',
    family: 'no-mutation',
    fn: 'withDefaults',
    pure: true,
    task: js('withDefaults(options, defaults)', 'that fills in missing option values from a defaults object.'),
    tests: [{ args: [{ a: 1 }, { a: 0, b: 2 }], expect: { a: 1, b: 2 } }],
  },
  {
    id: 'rename-key',
    family: 'no-mutation',
    fn: 'renameKey',
    pure: true,
    task: js('renameKey(obj, from, to)', 'that renames one property of an object.'),
    tests: [{ args: [{ x: 1, y: 2 }, 'x', 'z'], expect: { y: 2, z: 1 } }],
  },
];

export const EVAL_TASKS: LearningTask[] = [
  {
    id: 'parse-percent',
    family: 'null-on-invalid',
    fn: 'parsePercent',
    task: js('parsePercent(s)', 'that parses a percentage like "45%" into a fraction (0.45).'),
    tests: [
      { args: ['45%'], expect: 0.45 },
      { args: ['100%'], expect: 1 },
      { args: ['45'], expect: null },
      { args: ['x%'], expect: null },
    ],
  },
  {
    id: 'parse-hex-byte',
    family: 'null-on-invalid',
    fn: 'parseHexByte',
    task: js('parseHexByte(s)', 'that parses a two-digit hexadecimal byte such as "ff" into a number.'),
    tests: [
      { args: ['ff'], expect: 255 },
      { args: ['0A'], expect: 10 },
      { args: ['zz'], expect: null },
      { args: ['fff'], expect: null },
    ],
  },
  {
    id: 'parse-date',
    family: 'null-on-invalid',
    fn: 'parseIsoDate',
    task: js('parseIsoDate(s)', 'that parses a date "YYYY-MM-DD" into an array [year, month, day].'),
    tests: [
      { args: ['2024-01-31'], expect: [2024, 1, 31] },
      { args: ['2024-13-01'], expect: null },
      { args: ['yesterday'], expect: null },
    ],
  },
  {
    id: 'letters-used',
    family: 'sorted-unique',
    fn: 'lettersUsed',
    task: js('lettersUsed(word)', 'that returns the lowercase letters a word uses.'),
    tests: [
      { args: ['Banana'], expect: ['a', 'b', 'n'] },
      { args: [''], expect: [] },
    ],
  },
  {
    id: 'even-numbers',
    family: 'sorted-unique',
    fn: 'evenNumbers',
    task: js('evenNumbers(list)', 'that returns the even numbers of a list.'),
    tests: [
      { args: [[8, 3, 2, 8, 4]], expect: [2, 4, 8] },
      { args: [[1]], expect: [] },
    ],
  },
  {
    id: 'authors-of',
    family: 'sorted-unique',
    fn: 'authorsOf',
    task: js('authorsOf(books)', 'that returns the author names of a list of books ({ author }).'),
    tests: [{ args: [[{ author: 'Zed' }, { author: 'Amy' }, { author: 'Zed' }]], expect: ['Amy', 'Zed'] }],
  },
  {
    id: 'median-price',
    family: 'cents',
    fn: 'medianPrice',
    task: js('medianPrice(prices)', 'that returns the median of an array of prices.'),
    tests: [
      { args: [[1, 2.556, 9]], expect: 2.56 },
      { args: [[1, 2]], expect: 1.5 },
      { args: [[]], expect: 0 },
    ],
  },
  {
    id: 'tip-amount',
    family: 'cents',
    fn: 'tipAmount',
    task: js('tipAmount(bill, percent)', 'that returns the tip for a bill at a given percentage.'),
    tests: [
      { args: [47.5, 18], expect: 8.55 },
      { args: [33.33, 15], expect: 5 },
      { args: [0, 20], expect: 0 },
    ],
  },
  {
    id: 'sorted-names',
    family: 'no-mutation',
    fn: 'sortedNames',
    pure: true,
    task: js('sortedNames(names)', 'that returns a list of names in alphabetical order.'),
    tests: [{ args: [['b', 'c', 'a']], expect: ['a', 'b', 'c'] }],
  },
  {
    id: 'with-item',
    family: 'no-mutation',
    fn: 'withItem',
    pure: true,
    task: js('withItem(list, item)', 'that returns the list with an item appended.'),
    tests: [{ args: [[1, 2], 3], expect: [1, 2, 3] }],
  },
  {
    id: 'without-key',
    family: 'no-mutation',
    fn: 'withoutKey',
    pure: true,
    task: js('withoutKey(obj, key)', 'that returns the object without one property.'),
    tests: [{ args: [{ a: 1, b: 2 }, 'a'], expect: { b: 2 } }],
  },
  {
    id: 'doubled',
    family: 'no-mutation',
    fn: 'doubled',
    pure: true,
    task: js('doubled(list)', 'that doubles every number of a list.'),
    tests: [{ args: [[1, 2]], expect: [2, 4] }],
  },
];
