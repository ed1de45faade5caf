def count_words(text):
    return {
