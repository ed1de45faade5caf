'use strict';

function slugify(text) {
  return (text.match(/[A-Za-z0-9]+/g) || []).join('-');
}

module.exports = { slugify };
