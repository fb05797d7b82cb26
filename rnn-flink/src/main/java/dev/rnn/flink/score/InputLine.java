package dev.rnn.flink.score;

/** One line of an input file: its number from 1, its text, and why it cannot be read (null when it can). */
record InputLine(int number, String text, String problem) {
}
