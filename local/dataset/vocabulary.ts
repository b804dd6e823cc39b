/** Words for synthetic product descriptions: one theme per item group, nouns and adjectives. */
export const THEMES = [
  'CHRISTMAS', 'HEART', 'VINTAGE', 'RETROSPOT', 'REGENCY', 'PANTRY', 'GARDEN', 'JAM MAKING', 'PARTY',
  'BIRTHDAY', 'WOODLAND', 'SPACEBOY', 'DOLLY GIRL', 'SKULL', 'PAISLEY', 'FRENCH', 'ENGLISH ROSE',
  'BLUE POLKADOT', 'PINK POLKADOT', 'GREEN POLKADOT', 'STRAWBERRY', 'CHERRY', 'OWL', 'BIRD', 'BUTTERFLY',
  'FAIRY', 'CIRCUS', 'TRADITIONAL', 'HANGING', 'GLASS', 'ENAMEL', 'ZINC', 'WICKER', 'LACE', 'SCANDINAVIAN',
  'MOROCCAN', 'ANTIQUE', 'COTTAGE', 'ALPHABET', 'SPOTTY', 'ROSE', 'LAVENDER', 'STAR', 'SNOWFLAKE', 'BAROQUE',
] as const;

export const NOUNS = [
  'T-LIGHT HOLDER', 'MUG', 'LUNCH BAG', 'CAKE CASES', 'TEA TOWEL', 'NAPKINS', 'PHOTO FRAME', 'CUSHION COVER',
  'DOORMAT', 'BUNTING', 'PAPER CHAIN KIT', 'SHOPPER BAG', 'WATER BOTTLE', 'CANDLE', 'LANTERN', 'TIN',
  'STORAGE JAR', 'PLATE', 'BOWL', 'EGG CUP', 'CLOCK', 'MIRROR', 'WALL SIGN', 'NOTEBOOK', 'PENCILS',
  'GIFT WRAP', 'BAG CHARM', 'KEY RING', 'HOT WATER BOTTLE', 'PURSE', 'APRON', 'OVEN GLOVE', 'TRINKET BOX',
  'DECORATION', 'WREATH', 'BELL', 'GARLAND', 'STICKERS', 'JIGSAW', 'MAGNET', 'COASTER', 'TRAY',
  'RECORD FRAME 7" SINGLE SIZE', 'SET OF 3 CAKE TINS, SMALL', 'CHALKBOARD, WITH "CHALK"',
] as const;

export const ADJECTIVES = [
  '', 'SMALL ', 'LARGE ', 'SET OF 4 ', 'SET OF 6 ', 'JUMBO ', 'MINI ', 'RED ', 'WHITE ', 'PINK ', 'BLUE ',
  'IVORY ', 'CREAM ', 'GREEN ', 'ASSORTED ', 'PACK OF 12 ',
] as const;

export const COUNTRIES = [
  'France', 'Germany', 'EIRE', 'Netherlands', 'Spain', 'Belgium', 'Switzerland', 'Portugal', 'Australia',
  'Norway', 'Italy', 'Sweden', 'Denmark', 'Channel Islands', 'Japan', 'USA', 'Austria', 'Finland',
] as const;

/** Non-product lines the real export contains, with their usual descriptions and prices. */
export const NON_PRODUCT_LINES: readonly [code: string, description: string, price: string][] = [
  ['POST', 'POSTAGE', '18.00'],
  ['POST', 'POSTAGE', '40.00'],
  ['DOT', 'DOTCOM POSTAGE', '85.63'],
  ['M', 'Manual', '2.55'],
  ['m', 'Manual', '0.85'],
  ['C2', 'CARRIAGE', '50.00'],
  ['D', 'Discount', '12.50'],
  ['S', 'SAMPLES', '5.00'],
  ['B', 'Adjust bad debt', '11062.06'],
  ['BANK CHARGES', 'Bank Charges', '15.00'],
  ['AMAZONFEE', 'AMAZON FEE', '5575.28'],
  ['CRUK', 'CRUK Commission', '1.60'],
  ['PADS', 'PADS TO MATCH ALL CUSHIONS', '0.001'],
  ['TEST001', 'This is a test product.', '4.50'],
  ['TEST002', 'test', '1.00'],
  ['ADJUST', 'Adjustment by john on 26/01/2010 16', '96.46'],
  ['ADJUST2', 'Adjustment by Peter on Jun 25 2010 ', '300.13'],
  ['gift_0001_20', 'Dotcomgiftshop Gift Voucher £20.00', '17.02'],
  ['gift_0001_50', 'Dotcomgiftshop Gift Voucher £50.00', '42.55'],
];
