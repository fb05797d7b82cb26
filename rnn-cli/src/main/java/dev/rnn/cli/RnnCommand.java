package dev.rnn.cli;

public final class RnnCommand {
    public static void main(String[] args) {
    }
}
