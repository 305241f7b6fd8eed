#include <gtest/gtest.h>

#include "hotline/core/privacy.hpp"

TEST(Privacy, MasksTheMiddleOfLongNumbers) {
  EXPECT_EQ(hotline::mask_phone("13812345678"), "138****5678");
  EXPECT_EQ(hotline::mask_phone("02512345678"), "025****5678");
  EXPECT_EQ(hotline::mask_phone("12345678"), "123*5678");
  EXPECT_EQ(hotline::mask_phone("+8613812345678"), "+86*******5678");
}

TEST(Privacy, ShortNumbersKeepOnlyTheLastTwoDigits) {
  EXPECT_EQ(hotline::mask_phone("1234567"), "*****67");
  EXPECT_EQ(hotline::mask_phone("12345"), "***45");
  EXPECT_EQ(hotline::mask_phone("12"), "**");
  EXPECT_EQ(hotline::mask_phone(""), "");
}
