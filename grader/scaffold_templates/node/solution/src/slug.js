'use strict';

function slugify(text) {
  return (text.toLowerCase().match(/[a-z0-9]+/g) || []).join('-');
}

module.exports = { slugify };
