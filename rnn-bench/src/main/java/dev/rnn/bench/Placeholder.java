package dev.rnn.bench;
final class Placeholder {}
